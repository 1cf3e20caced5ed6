package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.failure.FailureReason;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** progress.json is a versioned format: the committed version-1 fixture must keep loading. */
class ProgressStoreTests {

    private final JsonMapper json = JsonMapper.builder().build();
    private final ProgressStore store = new ProgressStore(json);

    @Test
    void readsTheVersionOneFixture() throws IOException {
        Progress progress = store.parse("progress.json", fixture());
        assertThat(progress.formatVersion()).isEqualTo(1);
        assertThat(progress.nextBatch()).isEqualTo(42);
        IndexProgress color = progress.indexes().get("color");
        assertThat(color.model().dimension()).isEqualTo(512);
        assertThat(color.sealedShards())
                .singleElement()
                .satisfies(
                        shard -> {
                            assertThat(shard.file()).isEqualTo("faiss/color_shard_001.faiss");
                            assertThat(shard.vectors()).isEqualTo(22900);
                        });
        assertThat(color.openShard()).isEqualTo(2);
        assertThat(color.vectors()).isEqualTo(22900 + 256);
        assertThat(progress.failures().get("23013").reason()).isEqualTo(FailureReason.HTTP_STATUS);
    }

    @Test
    void writesWhatItReads() throws IOException {
        byte[] fixture = fixture();
        Progress progress = store.parse("progress.json", fixture);
        tools.jackson.databind.node.ObjectNode written =
                (tools.jackson.databind.node.ObjectNode) json.readTree(store.serialize(progress));
        // Version 2's one addition, empty for a version-1 file; everything else as it was read.
        assertThat(written.remove("failureLog").isEmpty()).isTrue();
        assertThat((JsonNode) written).isEqualTo(json.readTree(fixture));
        assertThat(store.parse("progress.json", store.serialize(progress))).isEqualTo(progress);
    }

    @Test
    void refusesAFormatFromTheFuture() {
        byte[] future =
                "{\"formatVersion\":3,\"nextBatch\":1,\"indexes\":{},\"failures\":{}}".getBytes();
        assertThatThrownBy(() -> store.parse("p/progress.json", future))
                .isInstanceOf(CorruptProgressException.class)
                .hasMessageContaining("format version 3");
    }

    @Test
    void refusesMalformedJsonWithTheKeyInTheMessage() {
        assertThatThrownBy(() -> store.parse("p/progress.json", "{\"formatVersion\":".getBytes()))
                .isInstanceOf(CorruptProgressException.class)
                .hasMessageContaining("p/progress.json");
    }

    private static byte[] fixture() throws IOException {
        try (InputStream in =
                ProgressStoreTests.class.getResourceAsStream("/fixtures/progress-v1.json")) {
            return in.readAllBytes();
        }
    }
}
