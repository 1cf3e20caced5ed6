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
        // Version 2's additions, empty for a version-1 file; everything else as it was read.
        assertThat(written.remove("failureLog").isEmpty()).isTrue();
        assertThat(written.remove("shardChunks").isEmpty()).isTrue();
        assertThat((JsonNode) written).isEqualTo(json.readTree(fixture));
        assertThat(store.parse("progress.json", store.serialize(progress))).isEqualTo(progress);
    }

    @Test
    void sealedShardRecordsLeaveTheFileInImmutableChunksAndReadBack(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws IOException {
        dev.faissshard.storage.LocalStorageClient storage =
                new dev.faissshard.storage.LocalStorageClient(dir);
        IndexLayout layout = IndexLayout.at("shop");
        Progress fixture = store.parse("progress.json", fixture());
        IndexProgress color = fixture.indexes().get("color");
        long[] sizes = new long[2];
        int[] counts = {100, 1000};
        for (int c = 0; c < counts.length; c++) {
            java.util.List<ShardRecord> shards = new java.util.ArrayList<>();
            for (int i = 1; i <= counts[c]; i++) {
                ShardRecord first = color.sealedShards().get(0);
                shards.add(
                        new ShardRecord(
                                i,
                                String.format("faiss/color_shard_%03d.faiss", i),
                                String.format("faiss/color_shard_%03d.ids.tsv", i),
                                first.vectors(),
                                first.bytes(),
                                first.sha256(),
                                i * 100_000L,
                                i * 100_000L + 22_899,
                                first.sealedAt()));
            }
            IndexProgress many =
                    new IndexProgress(
                            color.model(),
                            color.metric(),
                            color.factory(),
                            shards,
                            counts[c] + 1,
                            color.openSegments(),
                            null);
            Progress progress =
                    new Progress(
                            Progress.FORMAT_VERSION,
                            fixture.updatedAt(),
                            fixture.nextBatch(),
                            java.util.Map.of("color", many),
                            java.util.Map.of(),
                            java.util.List.of(),
                            java.util.Map.of(),
                            java.util.List.of());
            ProgressStore.Saved saved = store.save(layout, storage, progress, Progress.empty());
            int chunks = counts[c] / ProgressStore.SHARDS_PER_CHUNK;
            assertThat(saved.progress().shardChunks().get("color")).hasSize(chunks);
            JsonNode file = json.readTree(dir.resolve("shop/progress.json").toFile());
            assertThat(file.get("indexes").get("color").get("sealedShards").size())
                    .as("only the records after the full chunks stay in the file")
                    .isEqualTo(counts[c] - chunks * ProgressStore.SHARDS_PER_CHUNK);
            Progress loaded = store.load(layout, storage).orElseThrow();
            assertThat(loaded.indexes()).isEqualTo(progress.indexes());
            // Saved again over itself, no chunk is written anew.
            assertThat(store.save(layout, storage, loaded, loaded).chunkBytes()).isZero();
            sizes[c] = saved.progressBytes();
        }
        assertThat(sizes[1])
                .as("ten times the shards, about the same file: one reference per 32 shards")
                .isLessThan(sizes[0] + 8_000);
    }

    @Test
    void refusesAFormatFromTheFuture() {
        byte[] future =
                "{\"formatVersion\":4,\"nextBatch\":1,\"indexes\":{},\"failures\":{}}".getBytes();
        assertThatThrownBy(() -> store.parse("p/progress.json", future))
                .isInstanceOf(CorruptProgressException.class)
                .hasMessageContaining("format version 4");
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
