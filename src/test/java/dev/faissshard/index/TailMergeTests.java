package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The merge of a finished job's open segments ({@link TailMerge}) with real FAISS in a real folder
 * store, jobs driven through {@link StoredIndex} and {@link OpenIndex} as {@code IndexBuild} drives
 * them (append and commit per batch; at the end finish, merge, commit): the tail stays at one
 * segment per type, the published index holds every live row once with its exact vector, and a
 * process that dies at any write of the merge leaves an index that the next job completes to the
 * same vectors as an uninterrupted run.
 */
class TailMergeTests {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final IndexLayout LAYOUT = IndexLayout.at("shop");
    private static final Map<IndexType, ModelInfo> MODELS = models();

    /** Vectors a shard holds: 15 jobs of 5 rows seal one shard per type part-way. */
    private static final int CAPACITY = 40;

    private final JsonMapper json = JsonMapper.builder().build();
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final FaissVectorIndexes faiss =
            new FaissVectorIndexes(
                    new ShardProperties(DataSize.ofMegabytes(1), 0, "IDMap,Flat", Metric.L2, 1));

    @TempDir Path root;

    @Test
    void manySmallJobsLeaveOneOpenSegmentPerTypeAndEveryLiveRowOnce() throws IOException {
        DyingStorage storage = new DyingStorage(root);
        Map<String, float[]> expected = new TreeMap<>();
        int row = 0;
        for (int job = 0; job < 15; job++) {
            // Two batches of 2 and 3 rows: two segments per type per job before the merge.
            List<List<String>> batches = List.of(ids(row, 2), ids(row + 2, 3));
            row += 5;
            List<String> deleted = job == 6 ? List.of(id(row - 1), id(row - 4)) : List.of();
            runJob(storage, 1, batches, deleted);
            batches.forEach(batch -> batch.forEach(id -> expected.put(id, null)));
            deleted.forEach(expected::remove);
            Progress progress = new ProgressStore(json).load(LAYOUT, storage).orElseThrow();
            for (IndexType type : MODELS.keySet()) {
                IndexProgress state = progress.indexes().get(type.key());
                assertThat(state.openSegments())
                        .as("%s open segments after job %d", type.key(), job)
                        .hasSizeLessThanOrEqualTo(1);
                assertThat(state.sealedShards())
                        .as("%s shards after job %d", type.key(), job)
                        .hasSize(expected.size() / CAPACITY);
                Map<String, float[]> live = published(storage, type);
                assertThat(live.keySet())
                        .as("%s live rows after job %d", type.key(), job)
                        .containsExactlyElementsOf(expected.keySet());
                live.forEach(
                        (id, vector) ->
                                assertThat(vector)
                                        .as("%s vector of %s", type.key(), id)
                                        .containsExactly(vector(type, id)));
            }
            assertThat(progress.tombstones())
                    .as("tombstones of merged segments are dropped with them")
                    .allSatisfy(
                            tombstone ->
                                    assertThat(tombstone.file()).doesNotStartWith("faiss/open/"));
            assertThat(openFolder(storage))
                    .as("only the named segments stay under faiss/open/")
                    .isEqualTo(namedSegmentFiles(progress));
        }
    }

    @Test
    void runsMergeOnlyAboveTheLimitAndLeaveLargeSegmentsAsTheyAre() {
        List<SegmentRecord> segments = new ArrayList<>();
        int[] sizes = {3, 4, 60, 2, 2, 2, 90, 5};
        for (int i = 0; i < sizes.length; i++) {
            segments.add(
                    new SegmentRecord(i, "s" + i, "s" + i + ".ids", sizes[i], 0, "", 0, 0, null));
        }
        assertThat(TailMerge.runs(segments, 8, 100)).as("8 segments, not more than 8").isEmpty();
        List<List<SegmentRecord>> runs = TailMerge.runs(segments, 7, 100);
        assertThat(runs)
                .as("the small runs between the segments of half the bound or more")
                .containsExactly(
                        List.of(segments.get(0), segments.get(1)),
                        List.of(segments.get(3), segments.get(4), segments.get(5)));
        assertThat(TailMerge.runs(segments, 1, 5))
                .as("runs bounded by the merged size")
                .containsExactly(List.of(segments.get(3), segments.get(4)));
    }

    /**
     * A trained factory ({@code IVF8,PQ4x4}) buffers flat vectors in its open tail until the
     * training sample is there; jobs cut by a limit (the catalogue not ended) keep buffering across
     * jobs. With the tail merged at every job end, the training, the sealed shards and the open
     * tail are byte for byte those of the same jobs without merges: the merged segments restore the
     * same vectors in the same order.
     */
    @Test
    void aTrainedFactoryBufferingAcrossMergedJobsTrainsAndSealsAsWithoutMerges() {
        Map<String, Progress> outcomes = new TreeMap<>();
        Map<String, Map<IndexType, Map<String, float[]>>> tails = new TreeMap<>();
        for (int above : new int[] {100, 1}) {
            DyingStorage storage = new DyingStorage(root.resolve("above-" + above));
            StoredIndex stored = storedIndex(storage, above, "IVF8,PQ4x4", 200, 700);
            int row = 0;
            for (int job = 0; job < 14; job++) {
                List<List<String>> batches =
                        List.of(ids(row, 20), ids(row + 20, 20), ids(row + 40, 20));
                row += 60;
                runJob(stored, storage, batches, List.of(), -1, false);
                Progress progress = new ProgressStore(json).load(LAYOUT, storage).orElseThrow();
                if (above == 1) {
                    for (IndexType type : MODELS.keySet()) {
                        assertThat(progress.indexes().get(type.key()).openSegments())
                                .as("%s open segments after job %d", type.key(), job)
                                .hasSizeLessThanOrEqualTo(1);
                    }
                }
            }
            Progress progress = new ProgressStore(json).load(LAYOUT, storage).orElseThrow();
            outcomes.put("above-" + above, progress);
            Map<IndexType, Map<String, float[]>> tail = new EnumMap<>(IndexType.class);
            for (IndexType type : MODELS.keySet()) {
                tail.put(type, published(storage, type, false));
            }
            tails.put("above-" + above, tail);
        }
        for (IndexType type : MODELS.keySet()) {
            IndexProgress merged = outcomes.get("above-1").indexes().get(type.key());
            IndexProgress unmerged = outcomes.get("above-100").indexes().get(type.key());
            assertThat(merged.trained()).as("%s trained", type.key()).isNotNull();
            assertThat(merged.trained().sha256()).isEqualTo(unmerged.trained().sha256());
            assertThat(merged.sealedShards()).as("%s shards", type.key()).isNotEmpty();
            assertThat(merged.sealedShards().stream().map(ShardRecord::sha256).toList())
                    .isEqualTo(unmerged.sealedShards().stream().map(ShardRecord::sha256).toList());
            Map<String, float[]> mergedTail = tails.get("above-1").get(type);
            Map<String, float[]> unmergedTail = tails.get("above-100").get(type);
            assertThat(mergedTail.keySet()).isEqualTo(unmergedTail.keySet());
            mergedTail.forEach(
                    (id, vector) -> assertThat(vector).containsExactly(unmergedTail.get(id)));
        }
    }

    /**
     * Three jobs leave nine segments per type (no merge: above 100); a fourth job with the merge
     * dies at each of its writes from the end of its last batch on (the merged objects, progress,
     * manifest, the deletes of the old segments); the index it leaves opens, names only objects
     * that exist and every live row once, and the next job ends with the same vectors and no
     * leftovers, as after the uninterrupted fourth job.
     */
    @Test
    void aKillAtAnyWriteOfTheMergeLeavesEveryRowOnceAndTheNextJobBuildsTheSameIndex()
            throws IOException {
        Path base = root.resolve("base");
        List<String> deleted = List.of(id(13), id(2));
        for (int job = 0; job < 3; job++) {
            runJob(
                    new DyingStorage(base),
                    100,
                    List.of(ids(job * 9, 3), ids(job * 9 + 3, 3), ids(job * 9 + 6, 3)),
                    List.of());
        }
        List<List<String>> fourth = List.of(ids(27, 3));
        List<List<String>> fifth = List.of(ids(30, 2));
        Set<String> afterFourth = new HashSet<>(ids(0, 30));
        deleted.forEach(afterFourth::remove);
        Set<String> afterFifth = new HashSet<>(afterFourth);
        afterFifth.addAll(ids(30, 2));

        Path reference = root.resolve("reference");
        copy(base, reference);
        DyingStorage recorded = new DyingStorage(reference);
        int mergeWrites = runJob(recorded, 1, fourth, deleted);
        assertThat(recorded.writes())
                .as("the merge stores new segments, then progress, manifest, deletes")
                .anyMatch(write -> write.contains("_batch_000011"))
                .anyMatch(write -> write.startsWith("delete shop/faiss/open/color_shard_001"));
        runJob(new DyingStorage(reference), 1, fifth, deleted);
        Map<IndexType, Map<String, float[]>> expected = new EnumMap<>(IndexType.class);
        for (IndexType type : MODELS.keySet()) {
            expected.put(type, published(new LocalStorageClient(reference), type));
            assertThat(expected.get(type).keySet()).containsExactlyInAnyOrderElementsOf(afterFifth);
        }

        assertThat(mergeWrites).isGreaterThan(12);
        for (int crash = 0; crash < mergeWrites; crash++) {
            Path dir = root.resolve("crash-" + crash);
            copy(base, dir);
            DyingStorage dying = new DyingStorage(dir);
            int at = crash;
            assertThatThrownBy(() -> runJob(dying, 1, fourth, deleted, at))
                    .isInstanceOf(DyingStorage.Died.class);
            DyingStorage after = new DyingStorage(dir);
            for (IndexType type : MODELS.keySet()) {
                Set<String> live = published(after, type).keySet();
                assertThat(live)
                        .as("%s rows after a kill at merge write %d", type.key(), crash)
                        .containsAll(afterFourth)
                        .allMatch(id -> afterFourth.contains(id) || deleted.contains(id));
            }
            runJob(after, 1, fifth, deleted);
            for (IndexType type : MODELS.keySet()) {
                Map<String, float[]> live = published(after, type);
                assertThat(live.keySet())
                        .as("%s rows after the job following a kill at write %d", type.key(), crash)
                        .containsExactlyInAnyOrderElementsOf(afterFifth);
                expected.get(type)
                        .forEach(
                                (id, vector) ->
                                        assertThat(live.get(id))
                                                .as("%s vector of %s", type.key(), id)
                                                .containsExactly(vector));
            }
            Progress progress = new ProgressStore(json).load(LAYOUT, after).orElseThrow();
            assertThat(openFolder(after))
                    .as("no leftovers after a kill at write %d", crash)
                    .isEqualTo(namedSegmentFiles(progress));
            for (IndexType type : MODELS.keySet()) {
                assertThat(progress.indexes().get(type.key()).openSegments()).hasSize(1);
            }
        }
    }

    /**
     * The same tail merged twice, in two copies of one store: from the rows the open shard holds
     * (what a job's end does) and from the segments read back from storage (what it did before).
     * The tail has segments this process restored (one with a row dead before it was restored) and
     * segments it wrote, rows deleted during the job in both, and fingerprints on every row. Both
     * merges write the same objects in the same order with the same bytes, and progress.json is the
     * same; the merge from the open shard reads no segment back.
     */
    @Test
    void aMergeFromTheOpenShardStoresTheSameBytesAsAMergeFromStorage() throws IOException {
        Path base = root.resolve("base");
        runJob(new DyingStorage(base), 100, List.of(ids(0, 4), ids(4, 3), ids(7, 5)), List.of());
        // Dead in a segment of the first job before the third job restores it.
        runJob(new DyingStorage(base), 100, List.of(ids(12, 3), ids(15, 4)), List.of(id(5)));
        Map<String, Map<String, byte[]>> stored = new TreeMap<>();
        Map<String, List<String>> writes = new TreeMap<>();
        Map<String, List<String>> segmentReads = new TreeMap<>();
        for (boolean fromHeldRows : new boolean[] {true, false}) {
            String name = fromHeldRows ? "held" : "storage";
            Path dir = root.resolve(name);
            copy(base, dir);
            DyingStorage storage = new DyingStorage(dir);
            ShardWriterFactory writers = writers(1, "IDMap,Flat", 1_000, 100_000);
            StoredIndex index =
                    new StoredIndex(
                            storage,
                            new ProgressStore(json),
                            new ManifestPublisher(json, clock),
                            writers,
                            clock);
            try (OpenIndex open = index.open(index.locate(LAYOUT), MODELS, IndexEvents.NONE)) {
                long batch = open.committed().nextBatch();
                for (List<String> ids : List.of(ids(19, 3), ids(22, 2), ids(24, 4))) {
                    open.append(batch, vectors(ids), ids, fingerprints(ids), NOW);
                    open.commit(++batch, NOW);
                }
                // Dead during the job: rows of a restored segment and of one this job wrote.
                Deletes.delete(open, List.of(id(1), id(13), id(23)), NOW);
                open.finish(true);
                int before = storage.writes().size();
                storage.reads().clear();
                batch = TailMerge.merge(open, writers, batch, fromHeldRows);
                open.commit(batch, NOW, true);
                writes.put(
                        name,
                        List.copyOf(storage.writes().subList(before, storage.writes().size())));
                segmentReads.put(
                        name,
                        storage.reads().stream()
                                .filter(key -> key.startsWith(LAYOUT.openPrefix()))
                                .toList());
                assertThat(open.state(IndexType.COLOR).openSegments()).hasSize(1);
            }
            Map<String, byte[]> objects = new TreeMap<>();
            for (StoredObject object : storage.list(LAYOUT.openPrefix())) {
                objects.put(object.key(), storage.get(object.key()));
            }
            objects.put(LAYOUT.progressKey(), storage.get(LAYOUT.progressKey()));
            stored.put(name, objects);
        }
        assertThat(segmentReads.get("held")).as("segments read back by the merge").isEmpty();
        assertThat(segmentReads.get("storage")).isNotEmpty();
        assertThat(writes.get("held"))
                .as("the writes of the merge and its commit, in order")
                .anyMatch(write -> write.startsWith("replace shop/faiss/open/"))
                .isEqualTo(writes.get("storage"));
        Map<String, byte[]> held = stored.get("held");
        Map<String, byte[]> fromStorage = stored.get("storage");
        assertThat(held.keySet()).isEqualTo(fromStorage.keySet());
        held.forEach((key, bytes) -> assertThat(bytes).as(key).isEqualTo(fromStorage.get(key)));
        Map<String, float[]> live =
                published(new DyingStorage(root.resolve("held")), IndexType.COLOR);
        Set<String> expected = new HashSet<>(ids(0, 28));
        List.of(id(1), id(5), id(13), id(23)).forEach(expected::remove);
        assertThat(live.keySet()).containsExactlyInAnyOrderElementsOf(expected);
        live.forEach(
                (id, vector) -> assertThat(vector).containsExactly(vector(IndexType.COLOR, id)));
    }

    private static Map<IndexType, float[]> vectors(List<String> ids) {
        Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
        for (IndexType type : MODELS.keySet()) {
            int dimension = MODELS.get(type).dimension();
            float[] rows = new float[ids.size() * dimension];
            for (int i = 0; i < ids.size(); i++) {
                System.arraycopy(vector(type, ids.get(i)), 0, rows, i * dimension, dimension);
            }
            vectors.put(type, rows);
        }
        return vectors;
    }

    /** A fingerprint per id, none of them {@link RowFingerprint#UNKNOWN}. */
    private static long[] fingerprints(List<String> ids) {
        long[] prints = new long[ids.size()];
        for (int i = 0; i < prints.length; i++) {
            prints[i] = 1_000_003L * Integer.parseInt(ids.get(i).substring(4)) + 7;
        }
        return prints;
    }

    /**
     * One job as {@code IndexBuild} runs it: a commit per batch, then finish, merge and the last
     * commit. Rows gone from the catalogue are deleted before the end, as {@code retireUnseen}
     * does. Returns the writes from the end of the last batch on.
     */
    private int runJob(
            DyingStorage storage, int mergeAbove, List<List<String>> batches, List<String> gone) {
        return runJob(storage, mergeAbove, batches, gone, -1);
    }

    /** {@link #runJob}, the process dying at the {@code dieAt}-th write from the last batch on. */
    private int runJob(
            DyingStorage storage,
            int mergeAbove,
            List<List<String>> batches,
            List<String> gone,
            int dieAt) {
        return runJob(storedIndex(storage, mergeAbove), storage, batches, gone, dieAt, true);
    }

    private int runJob(
            StoredIndex stored,
            DyingStorage storage,
            List<List<String>> batches,
            List<String> gone,
            int dieAt,
            boolean catalogueEnded) {
        try (OpenIndex index = stored.open(stored.locate(LAYOUT), MODELS, IndexEvents.NONE)) {
            long batch = index.committed().nextBatch();
            for (List<String> ids : batches) {
                Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
                for (IndexType type : MODELS.keySet()) {
                    int dimension = MODELS.get(type).dimension();
                    float[] rows = new float[ids.size() * dimension];
                    for (int i = 0; i < ids.size(); i++) {
                        System.arraycopy(
                                vector(type, ids.get(i)), 0, rows, i * dimension, dimension);
                    }
                    vectors.put(type, rows);
                }
                index.append(batch, vectors, ids, new long[ids.size()], NOW);
                index.commit(++batch, NOW);
            }
            if (!gone.isEmpty()) {
                Deletes.delete(index, gone, NOW);
            }
            int before = storage.writes().size();
            if (dieAt >= 0) {
                storage.dieAtWrite(dieAt);
            }
            index.finish(catalogueEnded);
            batch = index.mergeOpenSegments(batch);
            index.commit(batch, NOW, true);
            return storage.writes().size() - before;
        }
    }

    /**
     * A folder store that records its writes and can die: from a chosen write on, every write
     * throws instead of happening, as nothing more reaches storage from a process killed there.
     */
    static final class DyingStorage extends ForwardingStorage {

        static final class Died extends RuntimeException {
            Died(String write) {
                super("died before " + write);
            }
        }

        private final List<String> writes = new ArrayList<>();
        private final List<String> reads = new ArrayList<>();
        private int dieAt = Integer.MAX_VALUE;

        DyingStorage(Path root) {
            super(new LocalStorageClient(root));
        }

        void dieAtWrite(int number) {
            dieAt = writes.size() + number;
        }

        List<String> writes() {
            return writes;
        }

        /** Keys read whole, in order. */
        List<String> reads() {
            return reads;
        }

        @Override
        public byte[] get(String key) {
            reads.add(key);
            return super.get(key);
        }

        private void write(String write) {
            if (writes.size() >= dieAt) {
                throw new Died(write);
            }
            writes.add(write);
        }

        @Override
        public void create(String key, byte[] data, String contentType) {
            write("create " + key);
            super.create(key, data, contentType);
        }

        @Override
        public void replace(String key, byte[] data, String contentType) {
            write("replace " + key);
            super.replace(key, data, contentType);
        }

        @Override
        public void delete(String key) {
            write("delete " + key);
            super.delete(key);
        }
    }

    private StoredIndex storedIndex(StorageClient storage, int mergeAbove) {
        return storedIndex(storage, mergeAbove, "IDMap,Flat", CAPACITY, 100_000);
    }

    private StoredIndex storedIndex(
            StorageClient storage, int mergeAbove, String factory, long capacity, long sample) {
        return new StoredIndex(
                storage,
                new ProgressStore(json),
                new ManifestPublisher(json, clock),
                writers(mergeAbove, factory, capacity, sample),
                clock);
    }

    private ShardWriterFactory writers(int mergeAbove, String factory, long capacity, long sample) {
        ShardProperties properties =
                new ShardProperties(
                        DataSize.ofMegabytes(1),
                        capacity,
                        factory,
                        Metric.L2,
                        1,
                        sample,
                        8,
                        new ShardProperties.Auto(1_000_000, DataSize.ofGigabytes(1), 0.9),
                        mergeAbove);
        return new ShardWriterFactory(properties, faiss);
    }

    /**
     * What a reader of the published manifest sees of one type: every named shard and open segment
     * read with FAISS (checked against its sha256), without the tombstoned vectors, by catalogue
     * id; an id met twice fails.
     */
    private Map<String, float[]> published(StorageClient storage, IndexType type) {
        return published(storage, type, true);
    }

    private Map<String, float[]> published(
            StorageClient storage, IndexType type, boolean withShards) {
        ManifestPublisher manifests = new ManifestPublisher(json, clock);
        Manifest manifest = manifests.read(LAYOUT, storage).orElseThrow();
        Set<String> dead = new HashSet<>();
        manifest.tombstones()
                .forEach(
                        tombstone ->
                                dead.add(
                                        tombstone.type()
                                                + "#"
                                                + tombstone.file()
                                                + "#"
                                                + tombstone.id()));
        List<Manifest.Entry> entries = new ArrayList<>();
        if (withShards) {
            entries.addAll(manifests.sealedShards(manifest, LAYOUT, storage));
        }
        entries.addAll(manifest.openSegments());
        Map<String, float[]> live = new TreeMap<>();
        for (Manifest.Entry entry : entries) {
            if (!entry.type().equals(type.key())) {
                continue;
            }
            byte[] data = storage.get(LAYOUT.absolute(entry.file()));
            assertThat(Sha256.hex(data)).as(entry.file()).isEqualTo(entry.sha256());
            List<IdFile.Entry> ids = IdFile.read(storage.get(LAYOUT.absolute(entry.idsFile())));
            try (VectorIndex index = faiss.fromBytes(data)) {
                VectorIndex.Exported rows = index.export();
                int dimension = rows.dimension();
                assertThat(rows.ids()).hasSize(ids.size());
                for (int i = 0; i < ids.size(); i++) {
                    assertThat(rows.ids()[i]).isEqualTo(ids.get(i).faissId());
                    if (dead.contains(type.key() + "#" + entry.file() + "#" + rows.ids()[i])) {
                        continue;
                    }
                    float[] vector = new float[dimension];
                    System.arraycopy(rows.vectors(), i * dimension, vector, 0, dimension);
                    assertThat(live.put(ids.get(i).catalogId(), vector))
                            .as("%s live once in %s", ids.get(i).catalogId(), type.key())
                            .isNull();
                }
            }
        }
        return live;
    }

    private static Set<String> openFolder(StorageClient storage) {
        Set<String> files = new HashSet<>();
        for (StoredObject object : storage.list(LAYOUT.openPrefix())) {
            files.add(object.key());
        }
        return files;
    }

    private static Set<String> namedSegmentFiles(Progress progress) {
        Set<String> files = new HashSet<>();
        for (IndexProgress state : progress.indexes().values()) {
            for (SegmentRecord segment : state.openSegments()) {
                files.add(LAYOUT.absolute(segment.file()));
                files.add(LAYOUT.absolute(segment.idsFile()));
                files.add(LAYOUT.absolute(segment.urlsFile()));
            }
        }
        return files;
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path file : walk.toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
    }

    /** A deterministic vector per type and id, independent of the code under test. */
    private static float[] vector(IndexType type, String id) {
        int dimension = MODELS.get(type).dimension();
        int n = Integer.parseInt(id.substring(4));
        SplittableRandom random = new SplittableRandom(n * 31L + type.ordinal());
        float[] out = new float[dimension];
        for (int j = 0; j < dimension; j++) {
            out[j] = (n % 10) + (float) random.nextGaussian();
        }
        return out;
    }

    private static String id(int n) {
        return "sku-" + n;
    }

    private static List<String> ids(int from, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            ids.add(id(i));
        }
        return ids;
    }

    private static Map<IndexType, ModelInfo> models() {
        Map<IndexType, ModelInfo> models = new EnumMap<>(IndexType.class);
        models.put(IndexType.COLOR, new ModelInfo("color-test", "c0", 8));
        models.put(IndexType.STRUCTURE, new ModelInfo("structure-test", "s0", 12));
        return models;
    }
}
