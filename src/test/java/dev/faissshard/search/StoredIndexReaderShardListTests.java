package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.CorruptManifestException;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexProgress;
import dev.faissshard.index.Manifest;
import dev.faissshard.index.ManifestPublisher;
import dev.faissshard.index.SegmentRecord;
import dev.faissshard.index.ShardRecord;
import dev.faissshard.storage.LocalStorageClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The search side reads an index's shards through the manifest: every sealed shard of a format 2
 * manifest's shard lists, in order, with its open segments; a format 1 manifest as before; and
 * never a shard list whose bytes are not the ones the manifest records.
 */
class StoredIndexReaderShardListTests {

    private static final Instant NOW = Instant.parse("2026-12-02T08:00:00Z");
    private static final int SEALED = ManifestPublisher.SHARDS_PER_LIST + 8;

    private final JsonMapper json = JsonMapper.builder().build();
    private final ManifestPublisher publisher =
            new ManifestPublisher(json, Clock.fixed(NOW, ZoneOffset.UTC));

    @TempDir Path dir;

    @Test
    void everySealedShardOfTheShardListsAndEveryOpenSegmentIsDescribedInOrder() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        publisher.publish(IndexLayout.at("shop"), indexes(), storage, true);
        IndexDescription description =
                new StoredIndexReader(storage, publisher).describe("shop").orElseThrow();
        List<String> expected = new ArrayList<>();
        for (int shard = 1; shard <= SEALED; shard++) {
            expected.add("shop/" + shardFile(shard) + " sealed");
        }
        expected.add("shop/faiss/open/color_shard_00099_batch_000001.faiss open");
        assertThat(
                        description.shards().stream()
                                .map(s -> s.key() + (s.sealed() ? " sealed" : " open"))
                                .toList())
                .isEqualTo(expected);
        assertThat(description.complete()).isTrue();
    }

    @Test
    void aFormatOneManifestIsDescribedAsBefore() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        storage.replace("shop/faiss/manifest.json", fixture(), "application/json");
        IndexDescription description =
                new StoredIndexReader(storage, publisher).describe("shop").orElseThrow();
        assertThat(description.shards())
                .extracting(IndexDescription.Shard::key, IndexDescription.Shard::sealed)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "shop/faiss/color_shard_001.faiss", true),
                        org.assertj.core.groups.Tuple.tuple(
                                "shop/faiss/open/color_shard_002_batch_000041.faiss", false));
    }

    @Test
    void aShardListOtherThanTheManifestRecordsIsRefused() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        IndexLayout layout = IndexLayout.at("shop");
        publisher.publish(layout, indexes(), storage, true);
        Manifest manifest = publisher.read(layout, storage).orElseThrow();
        String key = layout.absolute(manifest.shardLists().get(0).file());
        String text = new String(storage.get(key), StandardCharsets.UTF_8);
        storage.replace(
                key,
                text.replace("\"vectors\":1000", "\"vectors\":1001")
                        .getBytes(StandardCharsets.UTF_8),
                "application/json");
        StoredIndexReader reader =
                new StoredIndexReader(
                        storage, new ManifestPublisher(json, Clock.fixed(NOW, ZoneOffset.UTC)));
        assertThatThrownBy(() -> reader.describe("shop"))
                .isInstanceOf(CorruptManifestException.class);
    }

    private static Map<String, IndexProgress> indexes() {
        List<ShardRecord> shards = new ArrayList<>();
        for (int shard = 1; shard <= SEALED; shard++) {
            shards.add(
                    new ShardRecord(
                            shard,
                            shardFile(shard),
                            shardFile(shard).replace(".faiss", ".ids.tsv"),
                            1000,
                            2_048_045,
                            "c".repeat(64),
                            shard * 1000L,
                            shard * 1000L + 999,
                            NOW));
        }
        SegmentRecord segment =
                new SegmentRecord(
                        1,
                        "faiss/open/color_shard_00099_batch_000001.faiss",
                        "faiss/open/color_shard_00099_batch_000001.ids.tsv",
                        10,
                        20_525,
                        "d".repeat(64),
                        99_000,
                        99_009);
        return Map.of(
                "color",
                new IndexProgress(
                        new ModelInfo("builtin-color-v1", "0a".repeat(32), 512),
                        "INNER_PRODUCT",
                        "IDMap,Flat",
                        shards,
                        99,
                        List.of(segment),
                        null));
    }

    private static String shardFile(int shard) {
        return String.format("faiss/color_shard_%05d.faiss", shard);
    }

    private static byte[] fixture() throws IOException {
        try (InputStream in =
                StoredIndexReaderShardListTests.class.getResourceAsStream(
                        "/fixtures/manifest-v1.json")) {
            return in.readAllBytes();
        }
    }
}
