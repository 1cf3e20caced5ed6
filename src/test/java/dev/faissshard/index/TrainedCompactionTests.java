package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.LocalStorageClient;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * A compaction of a trained IVF-PQ index (real FAISS, real files): small sealed shards, an open
 * tail and tombstones in both become byte-bounded shards whose codes are the inputs' codes bit for
 * bit (compared through FAISS's own decoding), without the tombstoned ids, with id files,
 * fingerprints and done bitmaps row for row with the new shards; and the compacted shards merge in
 * upstream FAISS with {@code merge_ondisk}.
 */
class TrainedCompactionTests {

    private static final int DIMENSION = 16;
    private static final String FACTORY = "IVF8,PQ4x4";
    private static final long MAX_BYTES = 64 * 1024;
    private static final IndexType TYPE = IndexType.COMBINED;
    private static final Map<IndexType, ModelInfo> MODELS =
            Map.of(TYPE, new ModelInfo("test-combined", "2".repeat(64), DIMENSION));
    private static final String PYTHON = System.getProperty("python.debian", "/usr/bin/python3");

    @TempDir Path dir;

    private final Clock clock = Clock.systemUTC();
    private ShardWriterFactory writers;
    private StoredIndex stored;
    private IndexLocation location;

    /** Every vector appended, by catalogue id: the exact input of each encoding. */
    private final Map<String, float[]> appended = new HashMap<>();

    @BeforeEach
    void setUp() {
        ShardProperties shards =
                new ShardProperties(DataSize.ofBytes(MAX_BYTES), 0, FACTORY, Metric.L2, 1, 1000, 8);
        writers = new ShardWriterFactory(shards, new FaissVectorIndexes(shards));
        JsonMapper json = JsonMapper.builder().build();
        stored =
                new StoredIndex(
                        new LocalStorageClient(dir),
                        new ProgressStore(json),
                        new ManifestPublisher(json, clock),
                        writers,
                        clock);
        location = stored.locate(IndexLayout.at("shop/"));
    }

    @Test
    void compactedTrainedShardsKeepTheInputsCodesWithoutTombstonedIds() throws Exception {
        // Six jobs sealed at their ends (small shards, the first trains), a seventh kept open.
        int[] jobs = {1500, 1500, 1500, 1500, 1500, 1500, 400};
        int next = 0;
        for (int job = 0; job < jobs.length; job++) {
            try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                for (int done = 0; done < jobs[job]; done += 250) {
                    long batch = append(index, next + done, Math.min(250, jobs[job] - done));
                    index.commit(batch + 1, clock.instant());
                }
                next += jobs[job];
                if (job < jobs.length - 1) {
                    index.sealOpenShards();
                } else {
                    index.finish(true);
                }
                index.commit(index.committed().nextBatch(), clock.instant(), true);
            }
        }
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < next; i += 37) {
            deleted.add("sku-" + i);
        }
        IndexProgress before;
        byte[] trained;
        Map<Long, float[]> decodedBefore = new HashMap<>();
        long liveCount;
        try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
            Deletes.delete(index, deleted, clock.instant());
            index.commit(index.committed().nextBatch(), clock.instant(), true);
            before = index.state(TYPE);
            trained = StoredIndex.trainedIndex(location.storage(), location.layout(), before);
            assertThat(before.sealedShards()).hasSize(6);
            assertThat(before.openSegments()).isNotEmpty();
            for (ShardRecord shard : before.sealedShards()) {
                try (FaissIndex input = FaissIndex.fromBytes(read(shard.file()))) {
                    assertThat(input.enableReconstruct()).isTrue();
                    for (long id : input.ids()) {
                        decodedBefore.put(id, input.reconstruct(id));
                    }
                }
            }
            liveCount = next - deleted.size();
        }

        Map<IndexType, Compaction.Result> results;
        try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
            results = new Compaction(writers, clock).compact(index);
            index.commit(index.committed().nextBatch(), clock.instant(), true);
        }
        assertThat(results.get(TYPE).vectors()).isEqualTo(liveCount);

        IndexProgress after;
        try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
            after = index.state(TYPE);
            assertThat(index.tombstones()).as("tombstones applied").isEmpty();
        }
        assertThat(after.openSegments()).isEmpty();
        long capacity;
        try (var writer = writers.open(DIMENSION, trained)) {
            capacity = writer.capacity();
        }
        assertThat(after.sealedShards())
                .as("shards for %d live vectors at %d per shard", liveCount, capacity)
                .hasSize((int) ((liveCount + capacity - 1) / capacity));

        Set<Long> deadIds = new HashSet<>();
        deleted.forEach(id -> deadIds.add(FaissIds.of(id)));
        Set<Long> seen = new HashSet<>();
        int fromShards = 0;
        int fromTail = 0;
        for (ShardRecord shard : after.sealedShards()) {
            byte[] data = read(shard.file());
            assertThat((long) data.length)
                    .as("%s bytes", shard.file())
                    .isLessThanOrEqualTo(MAX_BYTES);
            assertThat(shard.trainedSha256()).isEqualTo(before.trained().sha256());
            List<IdFile.Entry> entries = IdFile.read(read(shard.idsFile()));
            long[] prints = FingerprintFile.read(read(shard.urlsFile()), entries.size(), "urls");
            long[] done = DoneBitmap.decode(read(shard.doneBitmap())).orElseThrow();
            long[] fileIds = entries.stream().mapToLong(IdFile.Entry::faissId).toArray();
            long[] sorted = fileIds.clone();
            Arrays.sort(sorted);
            assertThat(done).as("done bitmap of %s", shard.file()).isEqualTo(sorted);
            try (FaissIndex output = FaissIndex.fromBytes(data)) {
                long[] held = output.ids();
                Arrays.sort(held);
                assertThat(held).as("%s ids against its id file", shard.file()).isEqualTo(sorted);
                assertThat(output.enableReconstruct()).isTrue();
                for (int row = 0; row < entries.size(); row++) {
                    IdFile.Entry entry = entries.get(row);
                    assertThat(deadIds).doesNotContain(entry.faissId());
                    assertThat(seen.add(entry.faissId())).as("id once").isTrue();
                    assertThat(prints[row])
                            .as("fingerprint of row %d", row)
                            .isEqualTo(fingerprint(entry.catalogId()));
                    float[] decoded = output.reconstruct(entry.faissId());
                    float[] expected = decodedBefore.get(entry.faissId());
                    if (expected != null) {
                        fromShards++;
                    } else {
                        // A tail row: encoded once, as a fresh copy of the training encodes it.
                        fromTail++;
                        expected = encodedOnce(trained, appended.get(entry.catalogId()));
                    }
                    assertThat(decoded)
                            .as("code of %s", entry.catalogId())
                            .containsExactly(expected);
                }
            }
        }
        assertThat(seen).hasSize((int) liveCount);
        assertThat(fromShards).isEqualTo(next - 400 - deadIn(deleted, 0, next - 400));
        assertThat(fromTail).isEqualTo(400 - deadIn(deleted, next - 400, next));

        // Upstream FAISS opens the compacted shards and merge_ondisk merges them into the
        // training; it answers as the shards merged in Java.
        Path trainedFile = dir.resolve("combined_trained.faiss");
        Files.write(trainedFile, trained);
        float[] queries = new float[20 * DIMENSION];
        for (int q = 0; q < 20; q++) {
            System.arraycopy(
                    appended.get("sku-" + (q * 101 + 1)), 0, queries, q * DIMENSION, DIMENSION);
        }
        Path queryFile = dir.resolve("queries.f32");
        ByteBuffer buffer = ByteBuffer.allocate(queries.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(queries);
        Files.write(queryFile, buffer.array());
        Path out = dir.resolve("merged.json");
        List<String> command =
                new ArrayList<>(
                        List.of(
                                PYTHON,
                                Path.of("src/test/resources/python/merge_trained.py")
                                        .toAbsolutePath()
                                        .toString(),
                                trainedFile.toString(),
                                queryFile.toString(),
                                String.valueOf(DIMENSION),
                                "10",
                                "8",
                                out.toString()));
        for (ShardRecord shard : after.sealedShards()) {
            command.add(dir.resolve("shop").resolve(shard.file()).toString());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> python =
                JsonMapper.builder().build().readValue(out.toFile(), Map.class);
        assertThat(((Number) python.get("ntotal")).longValue()).isEqualTo(liveCount);
        try (FaissIndex merged = FaissIndex.fromBytes(trained)) {
            for (ShardRecord shard : after.sealedShards()) {
                try (FaissIndex other = FaissIndex.fromBytes(read(shard.file()))) {
                    merged.mergeFrom(other);
                }
            }
            merged.setSearchParameter("nprobe", 8);
            FaissIndex.SearchResult java = merged.search(queries, 10);
            @SuppressWarnings("unchecked")
            List<List<Number>> distances = (List<List<Number>>) python.get("distances");
            for (int q = 0; q < 20; q++) {
                for (int r = 0; r < 10; r++) {
                    // Python's search sums the PQ tables in another order: equal within rounding.
                    assertThat(distances.get(q).get(r).doubleValue())
                            .as("query %d rank %d", q, r)
                            .isCloseTo(java.distance(q, r), offset(1e-4));
                }
            }
        }
    }

    private static int deadIn(List<String> deleted, int from, int to) {
        return (int)
                deleted.stream()
                        .mapToInt(id -> Integer.parseInt(id.substring(4)))
                        .filter(i -> i >= from && i < to)
                        .count();
    }

    private float[] encodedOnce(byte[] trained, float[] vector) {
        try (FaissIndex fresh = FaissIndex.fromBytes(trained)) {
            fresh.addWithIds(vector, new long[] {1});
            fresh.enableReconstruct();
            return fresh.reconstruct(1);
        }
    }

    private byte[] read(String relative) throws Exception {
        return Files.readAllBytes(dir.resolve("shop").resolve(relative));
    }

    private static long fingerprint(String catalogId) {
        return catalogId.hashCode() * 31L + 7;
    }

    /** Clustered vectors (PQ codes that differ), one deterministic stream per row. */
    private long append(OpenIndex index, int from, int count) {
        List<String> ids = new ArrayList<>(count);
        float[] vectors = new float[count * DIMENSION];
        long[] prints = new long[count];
        for (int i = 0; i < count; i++) {
            int row = from + i;
            String id = "sku-" + row;
            ids.add(id);
            prints[i] = fingerprint(id);
            SplittableRandom random = new SplittableRandom(row * 131L + 5);
            int centre = row % 12;
            float[] vector = new float[DIMENSION];
            for (int j = 0; j < DIMENSION; j++) {
                vector[j] = (float) ((centre * (j % 3 + 1)) % 7 + random.nextGaussian() * 0.3);
            }
            System.arraycopy(vector, 0, vectors, i * DIMENSION, DIMENSION);
            appended.put(id, vector);
        }
        Map<IndexType, float[]> byType = new EnumMap<>(IndexType.class);
        byType.put(TYPE, vectors);
        long batch = index.committed().nextBatch();
        index.append(batch, byType, ids, prints, clock.instant());
        return batch;
    }
}
