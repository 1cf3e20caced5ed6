package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.storage.LocalStorageClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * progress.json names chunk references through lists of lists ({@link ChunkTree}), so that what is
 * rewritten after every batch stays about the same size however many shards and failure-log objects
 * the index has, and files written before lists existed still load.
 */
class ChunkListsTests {

    private static final Instant AT = Instant.parse("2026-12-02T10:00:00Z");
    private final JsonMapper json = JsonMapper.builder().build();
    private final ProgressStore store = new ProgressStore(json);
    private final IndexLayout layout = IndexLayout.at("shop");

    @TempDir Path dir;

    @Test
    void aTenTimesLargerIndexWritesAboutTheSameFileAndReadsBackEveryShardAndFailureObject() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        // 86 and 859 full chunks of shards (2,750 and 27,500 shards), 75 and 750 failure chunks.
        int[] shardCounts = {2_750, 27_500};
        int[] failureChunkCounts = {75, 750};
        long[] sizes = new long[2];
        for (int c = 0; c < 2; c++) {
            Progress progress = progress(storage, shardCounts[c], failureChunkCounts[c]);
            ProgressStore.Saved saved = store.save(layout, storage, progress, Progress.empty());
            JsonNode file = json.readTree(storage.get(layout.progressKey()));
            assertThat(file.get("formatVersion").asInt())
                    .isEqualTo(Progress.CHUNK_LISTS_FORMAT_VERSION);
            assertThat(file.get("shardChunks").get("color").size())
                    .as("chunk references no list names")
                    .isLessThan(ChunkTree.FANOUT);
            assertThat(file.get("failureChunks").size()).isLessThan(ChunkTree.FANOUT);
            assertThat(file.get("chunkLists").get("shards").get("color").size())
                    .as("fewer than %d lists per level", ChunkTree.FANOUT)
                    .isLessThan(ChunkTree.FANOUT * 4);

            Progress loaded = store.load(layout, storage).orElseThrow();
            assertThat(loaded.indexes()).isEqualTo(progress.indexes());
            assertThat(loaded.failureLog()).isEqualTo(progress.failureLog());
            assertThat(loaded.failureChunks()).isEqualTo(progress.failureChunks());
            assertThat(loaded.shardChunks().get("color"))
                    .hasSize(shardCounts[c] / ProgressStore.SHARDS_PER_CHUNK);
            assertThat(loaded.lists().shards().get("color"))
                    .containsExactlyInAnyOrderElementsOf(
                            saved.progress().lists().shards().get("color"));
            assertThat(loaded.lists().failures())
                    .containsExactlyInAnyOrderElementsOf(saved.progress().lists().failures());

            // Saved again over what is stored, as the next batch does: no list or chunk anew.
            ProgressStore.Saved again = store.save(layout, storage, loaded, loaded);
            assertThat(again.chunkBytes()).isZero();
            assertThat(again.failureListBytes()).isZero();
            sizes[c] = saved.progressBytes();
        }
        assertThat(sizes[1])
                .as("ten times the shards and failure objects, about the same file")
                .isLessThan(sizes[0] + 6_000);
    }

    @Test
    void aFileNamingEveryChunkInlineAsBeforeListsLoadsTheSameAndItsNextSaveListsThem() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        Progress progress = progress(storage, 2_750, 75);
        Progress listed = store.save(layout, storage, progress, Progress.empty()).progress();
        // What the previous version wrote: every chunk reference inline, no lists, version 2.
        Map<String, IndexProgress> tails = new java.util.TreeMap<>();
        progress.indexes()
                .forEach(
                        (type, index) -> {
                            List<ShardRecord> sealed = index.sealedShards();
                            int full =
                                    sealed.size()
                                            / ProgressStore.SHARDS_PER_CHUNK
                                            * ProgressStore.SHARDS_PER_CHUNK;
                            tails.put(
                                    type,
                                    new IndexProgress(
                                            index.model(),
                                            index.metric(),
                                            index.factory(),
                                            sealed.subList(full, sealed.size()),
                                            index.openShard(),
                                            index.openSegments(),
                                            null));
                        });
        int chunked = progress.failureChunks().stream().mapToInt(FailureChunkRecord::records).sum();
        Progress before =
                new Progress(
                        Progress.FORMAT_VERSION,
                        AT,
                        7,
                        tails,
                        Map.of(),
                        progress.failureLog().subList(chunked, progress.failureLog().size()),
                        listed.shardChunks(),
                        List.of(),
                        progress.failureChunks(),
                        3L);
        storage.replace(layout.progressKey(), store.serialize(before), "application/json");
        assertThat(json.readTree(storage.get(layout.progressKey())).has("chunkLists")).isFalse();

        Progress loaded = store.load(layout, storage).orElseThrow();
        assertThat(loaded.formatVersion()).isEqualTo(Progress.FORMAT_VERSION);
        assertThat(loaded.indexes()).isEqualTo(progress.indexes());
        assertThat(loaded.failureLog()).isEqualTo(progress.failureLog());
        assertThat(loaded.lists().shards()).isEmpty();

        ProgressStore.Saved saved = store.save(layout, storage, loaded, loaded);
        assertThat(saved.chunkBytes()).as("the lists, written once").isPositive();
        assertThat(json.readTree(storage.get(layout.progressKey())).get("shardChunks").get("color"))
                .hasSizeLessThan(ChunkTree.FANOUT);
        assertThat(store.load(layout, storage).orElseThrow().indexes())
                .isEqualTo(progress.indexes());
    }

    /**
     * A progress with {@code shards} sealed color shards and {@code failureChunks} chunk objects
     * (stored) of one failure-log record each, plus two records after them.
     */
    private Progress progress(LocalStorageClient storage, int shards, int failureChunks) {
        List<ShardRecord> sealed = new ArrayList<>();
        for (int i = 1; i <= shards; i++) {
            sealed.add(
                    new ShardRecord(
                            i,
                            String.format(Locale.ROOT, "faiss/color_shard_%05d.faiss", i),
                            String.format(Locale.ROOT, "faiss/color_shard_%05d.ids.tsv", i),
                            18_000,
                            737_000,
                            "ab".repeat(32),
                            i * 20_000L,
                            i * 20_000L + 17_999,
                            AT));
        }
        IndexProgress color =
                new IndexProgress(
                        new ModelInfo("m", "cd".repeat(32), 8),
                        "INNER_PRODUCT",
                        "IDMap,Flat",
                        sealed,
                        shards + 1,
                        List.of(),
                        null);
        List<FailureLogRecord> log = new ArrayList<>();
        List<FailureChunkRecord> chunks = new ArrayList<>();
        for (long seq = 1; seq <= failureChunks + 2; seq++) {
            FailureLogRecord record =
                    new FailureLogRecord(
                            String.format(Locale.ROOT, "faiss/failures/log_%010d.jsonl", seq),
                            seq,
                            seq,
                            100,
                            21_000,
                            "ef".repeat(32),
                            Long.toString(seq * 1_000),
                            Long.toString(seq * 1_000 + 999),
                            4);
            log.add(record);
            if (seq <= failureChunks) {
                byte[] data = store.compactJson(List.of(record));
                String sha = Sha256.hex(data);
                String file =
                        String.format(
                                Locale.ROOT,
                                "faiss/failures/chunk_%010d_%010d_%s.json",
                                seq,
                                seq,
                                sha.substring(0, 12));
                storage.replace(layout.absolute(file), data, "application/json");
                chunks.add(new FailureChunkRecord(file, seq, seq, 1, data.length, sha));
            }
        }
        return new Progress(
                Progress.FORMAT_VERSION,
                AT,
                7,
                Map.of("color", color),
                Map.of(),
                log,
                Map.of(),
                List.of(),
                chunks,
                3L);
    }
}
