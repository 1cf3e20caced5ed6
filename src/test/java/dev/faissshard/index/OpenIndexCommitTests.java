package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.shard.InMemoryVectorIndexes;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.storage.LocalStorageClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link OpenIndex#commit} against a real folder store that records every write and can crash at
 * any one of them: the writes come in the order objects, progress, manifest, deletes, and a run
 * killed at any write leaves an index that opens, names nothing missing, and resumes to exactly the
 * index an uninterrupted run builds.
 */
class OpenIndexCommitTests {

    private static final Instant NOW = Instant.parse("2026-12-01T12:00:00Z");
    private static final IndexLayout LAYOUT = IndexLayout.at("shop");
    private static final Map<IndexType, ModelInfo> MODELS = models();

    /**
     * Three batches of three images; with four vectors a shard, batch 2 and the end seal a shard.
     */
    private static final int BATCHES = 3;

    private static final int BATCH_SIZE = 3;

    private final JsonMapper json = JsonMapper.builder().build();
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir Path root;

    @Test
    void commitWritesObjectsThenProgressThenManifestThenDeletes() {
        RecordingStorage storage = new RecordingStorage(new LocalStorageClient(root));
        StoredIndex stored = storedIndex(storage);
        try (OpenIndex index =
                stored.open(
                        stored.locate(LAYOUT),
                        Map.of(IndexType.COLOR, MODELS.get(IndexType.COLOR)),
                        IndexEvents.NONE)) {
            storage.clear();
            index.append(1, Map.of(IndexType.COLOR, vectors(IndexType.COLOR, 1, 3)), ids(1, 3));
            assertThat(storage.writes()).as("nothing is written before the commit").isEmpty();
            index.commit(2, NOW);
            assertThat(storage.writes())
                    .containsExactly(
                            "replace shop/faiss/open/color_shard_001_batch_000001.ids.tsv",
                            "replace shop/faiss/open/color_shard_001_batch_000001.urls.bin",
                            "replace shop/faiss/open/color_shard_001_batch_000001.faiss",
                            "replace shop/progress.json",
                            "replace shop/faiss/manifest.json");
            storage.clear();
            // 3 open + 1 fill shard 1; the other 2 stay open as batch 2's segment.
            index.append(2, Map.of(IndexType.COLOR, vectors(IndexType.COLOR, 4, 6)), ids(4, 6));
            index.commit(3, NOW);
            assertThat(storage.writes())
                    .containsExactly(
                            "create shop/faiss/color_shard_001.ids.tsv",
                            "create shop/faiss/color_shard_001.done.bin",
                            "create shop/faiss/color_shard_001.urls.bin",
                            "create shop/faiss/color_shard_001.faiss",
                            "replace shop/faiss/open/color_shard_002_batch_000002.ids.tsv",
                            "replace shop/faiss/open/color_shard_002_batch_000002.urls.bin",
                            "replace shop/faiss/open/color_shard_002_batch_000002.faiss",
                            "replace shop/progress.json",
                            "replace shop/faiss/manifest.json",
                            "delete shop/faiss/open/color_shard_001_batch_000001.faiss",
                            "delete shop/faiss/open/color_shard_001_batch_000001.ids.tsv",
                            "delete shop/faiss/open/color_shard_001_batch_000001.urls.bin");
        }
    }

    @Test
    void aResumeReadsSealedShardsDoneBitmapsInsteadOfTheirIdFiles() {
        Path reference = root.resolve("reference");
        build(new RecordingStorage(new LocalStorageClient(reference)), -1);
        RecordingStorage storage = new RecordingStorage(new LocalStorageClient(reference));
        StoredIndex stored = storedIndex(storage);
        try (OpenIndex index = stored.open(stored.locate(LAYOUT), MODELS, IndexEvents.NONE)) {
            List<ShardRecord> shards =
                    index.committed().indexes().values().stream()
                            .flatMap(state -> state.sealedShards().stream())
                            .toList();
            assertThat(shards)
                    .isNotEmpty()
                    .allSatisfy(shard -> assertThat(shard.doneBitmap()).isNotNull());
            storage.clear();
            // Hashed ids: the first question reads every sealed shard's ids.
            for (long id = 1; id <= BATCHES * BATCH_SIZE; id++) {
                assertThat(index.holds("sku-" + id)).as("sku-%d", id).isTrue();
            }
            assertThat(index.holds("sku-" + (BATCHES * BATCH_SIZE + 1))).isFalse();
            // A shard of one id is its own range and needs no read at all.
            long withGaps =
                    index.committed().indexes().values().stream()
                            .flatMap(state -> state.sealedShards().stream())
                            .filter(shard -> shard.maxId() - shard.minId() + 1 != shard.vectors())
                            .count();
            assertThat(withGaps).isGreaterThan(0);
            assertThat(storage.reads())
                    .filteredOn(key -> key.endsWith(".done.bin"))
                    .hasSize((int) withGaps);
            assertThat(storage.reads()).noneMatch(key -> key.endsWith(".ids.tsv"));
        }
    }

    @Test
    void aShardSealedWithoutADoneBitmapIsReadFromItsIdFile() throws IOException {
        Path reference = root.resolve("reference");
        build(new RecordingStorage(new LocalStorageClient(reference)), -1);
        // As a shard sealed before done bitmaps existed: the object is gone (the record still
        // names it) and a resume falls back to the id file.
        try (Stream<Path> files = Files.walk(reference)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".done.bin")).toList()) {
                Files.delete(file);
            }
        }
        RecordingStorage storage = new RecordingStorage(new LocalStorageClient(reference));
        StoredIndex stored = storedIndex(storage);
        try (OpenIndex index = stored.open(stored.locate(LAYOUT), MODELS, IndexEvents.NONE)) {
            storage.clear();
            for (long id = 1; id <= BATCHES * BATCH_SIZE; id++) {
                assertThat(index.holds("sku-" + id)).as("sku-%d", id).isTrue();
            }
            assertThat(storage.reads()).anyMatch(key -> key.endsWith(".ids.tsv"));
        }
    }

    @Test
    void openingReadsProgressOnce() {
        Path reference = root.resolve("reference");
        build(new RecordingStorage(new LocalStorageClient(reference)), -1);
        RecordingStorage storage = new RecordingStorage(new LocalStorageClient(reference));
        StoredIndex stored = storedIndex(storage);
        try (OpenIndex index = stored.open(stored.locate(LAYOUT), MODELS, IndexEvents.NONE)) {
            assertThat(storage.reads())
                    .filteredOn(key -> key.equals(LAYOUT.progressKey()))
                    .hasSize(1);
            assertThat(index.committed().nextBatch()).isEqualTo(BATCHES + 2);
        }
    }

    @Test
    void aCrashAtAnyWriteLeavesAConsistentIndexThatResumesExactly() throws IOException {
        Path referenceRoot = root.resolve("reference");
        int writes = build(new RecordingStorage(new LocalStorageClient(referenceRoot)), -1);
        Map<String, String> reference = tree(referenceRoot);
        assertThat(reference)
                .containsKeys(
                        "shop/progress.json",
                        "shop/faiss/manifest.json",
                        "shop/faiss/color_shard_001.faiss",
                        "shop/faiss/color_shard_003.faiss");
        assertThat(writes).isGreaterThan(20);
        for (int crash = 0; crash < writes; crash++) {
            Path dir = root.resolve("crash-" + crash);
            RecordingStorage storage = new RecordingStorage(new LocalStorageClient(dir));
            int at = crash;
            assertThatThrownBy(() -> build(storage, at)).isInstanceOf(RecordingStorage.Crash.class);
            assertConsistent(dir, "after a crash at write " + crash);
            build(new RecordingStorage(new LocalStorageClient(dir)), -1);
            assertThat(tree(dir))
                    .as("resumed after a crash at write %d", crash)
                    .isEqualTo(reference);
        }
    }

    /**
     * Runs the build from where the stored progress says, crashing at write {@code crashAt}
     * (counted from the open) unless it is negative; returns how many writes it made.
     */
    private int build(RecordingStorage storage, int crashAt) {
        StoredIndex stored = storedIndex(storage);
        try (OpenIndex index = stored.open(stored.locate(LAYOUT), MODELS, IndexEvents.NONE)) {
            if (crashAt >= 0) {
                storage.crashAtWrite(crashAt);
            }
            for (long batch = index.committed().nextBatch(); batch <= BATCHES; batch++) {
                long from = (batch - 1) * BATCH_SIZE + 1;
                long to = from + BATCH_SIZE - 1;
                Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
                MODELS.keySet().forEach(type -> vectors.put(type, vectors(type, from, to)));
                index.append(batch, vectors, ids(from, to));
                if (batch == 2) {
                    index.fail(
                            "x-" + batch,
                            "http://127.0.0.1/x.jpg",
                            FailureReason.HTTP_STATUS,
                            "404",
                            NOW);
                }
                index.commit(batch + 1, NOW);
            }
            index.sealOpenShards();
            index.commit(BATCHES + 2, NOW);
        }
        return storage.writes().size();
    }

    private void assertConsistent(Path dir, String when) {
        LocalStorageClient storage = new LocalStorageClient(dir);
        ProgressStore progressStore = new ProgressStore(json);
        progressStore
                .load(LAYOUT, storage)
                .ifPresent(
                        progress ->
                                progress.indexes()
                                        .values()
                                        .forEach(
                                                index -> {
                                                    index.sealedShards()
                                                            .forEach(
                                                                    shard ->
                                                                            assertExists(
                                                                                    storage,
                                                                                    when,
                                                                                    shard.file(),
                                                                                    shard
                                                                                            .idsFile()));
                                                    index.openSegments()
                                                            .forEach(
                                                                    segment ->
                                                                            assertExists(
                                                                                    storage,
                                                                                    when,
                                                                                    segment.file(),
                                                                                    segment
                                                                                            .idsFile()));
                                                }));
        new ManifestPublisher(json, clock)
                .read(LAYOUT, storage)
                .ifPresent(
                        manifest ->
                                Stream.concat(
                                                manifest.shards().stream(),
                                                manifest.openSegments().stream())
                                        .forEach(
                                                entry ->
                                                        assertExists(
                                                                storage,
                                                                when,
                                                                entry.file(),
                                                                entry.idsFile())));
    }

    private static void assertExists(
            LocalStorageClient storage, String when, String... relativeKeys) {
        for (String key : relativeKeys) {
            assertThat(storage.find(LAYOUT.absolute(key)))
                    .as("%s: %s exists", when, key)
                    .isPresent();
        }
    }

    private StoredIndex storedIndex(RecordingStorage storage) {
        ShardProperties properties =
                new ShardProperties(
                        DataSize.ofMegabytes(1), 4, "IDMap,Flat", Metric.INNER_PRODUCT, 1);
        return new StoredIndex(
                storage,
                new ProgressStore(json),
                new ManifestPublisher(json, clock),
                new ShardWriterFactory(properties, new InMemoryVectorIndexes()),
                clock);
    }

    /** Every file under the store, with a digest of its bytes. */
    private static Map<String, String> tree(Path dir) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(dir.relativize(file).toString(), Sha256.hex(Files.readAllBytes(file)));
            }
        }
        return files;
    }

    private static Map<IndexType, ModelInfo> models() {
        Map<IndexType, ModelInfo> models = new EnumMap<>(IndexType.class);
        models.put(IndexType.COLOR, new ModelInfo("color-test", "c0", 3));
        models.put(IndexType.STRUCTURE, new ModelInfo("structure-test", "s0", 2));
        return models;
    }

    private static float[] vectors(IndexType type, long from, long to) {
        int dimension = MODELS.get(type).dimension();
        float[] out = new float[(int) (to - from + 1) * dimension];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i * 0.5f + type.ordinal();
        }
        return out;
    }

    private static List<String> ids(long from, long to) {
        List<String> ids = new ArrayList<>();
        for (long id = from; id <= to; id++) {
            ids.add("sku-" + id);
        }
        return ids;
    }
}
