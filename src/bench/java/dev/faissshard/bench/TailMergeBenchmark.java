package dev.faissshard.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.IndexEvents;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.ManifestPublisher;
import dev.faissshard.index.OpenIndex;
import dev.faissshard.index.ProgressStore;
import dev.faissshard.index.StoredIndex;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The restore of the job after many small incremental jobs, with the open tail's segments left as
 * they are ({@code merge-tail-above} past any count: before) and merged at each job's end ({@code
 * merge-tail-above} 8, the default, and 1), on a local directory with real FAISS, through the
 * service's own {@code StoredIndex}/{@code OpenIndex} and the end-of-job sequence of {@code
 * IndexBuild} (finish, merge, commit). Synthetic unit vectors of the built-in models' dimensions.
 * Prints, per setting, the jobs' wall and process CPU seconds, the open segments left, and the open
 * (restore) of the next job measured three times, settings alternating.
 *
 * <p>Usage: {@code TailMergeBenchmark [JOBS=100] [ROWS_PER_JOB=300] [MAX_MB=45]}; then {@code
 * TailMergeBenchmark restore DIR LATENCY_MS [MAX_MB=45]} measures the restores again on the folder
 * the first run printed, each read of an object delayed by {@code LATENCY_MS} as a remote store's
 * round trip would (a local folder has none, so there the object count costs nothing).
 */
public final class TailMergeBenchmark {

    private static final int BATCH = 256;
    private static final Map<IndexType, ModelInfo> MODELS = new EnumMap<>(IndexType.class);
    private static final int[] SETTINGS = {Integer.MAX_VALUE, 8, 1};

    static {
        MODELS.put(IndexType.COLOR, new ModelInfo("bench-color", "0".repeat(64), 512));
        MODELS.put(IndexType.STRUCTURE, new ModelInfo("bench-structure", "1".repeat(64), 652));
        MODELS.put(IndexType.COMBINED, new ModelInfo("bench-combined", "2".repeat(64), 1164));
    }

    private TailMergeBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("restore")) {
            restores(
                    Path.of(args[1]),
                    Long.parseLong(args[2]),
                    args.length > 3 ? Integer.parseInt(args[3]) : 45);
            return;
        }
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int maxMb = args.length > 2 ? Integer.parseInt(args[2]) : 45;
        Path dir = Files.createTempDirectory("tail-merge-bench");
        System.out.println("indexes in " + dir);
        System.out.printf(
                Locale.ROOT,
                "%d incremental jobs of %d rows (3 types, dimensions 512/652/1164, %d MB shards)%n",
                jobs,
                rows,
                maxMb);
        List<StoredIndex> stores = new ArrayList<>();
        List<IndexLocation> locations = new ArrayList<>();
        for (int above : SETTINGS) {
            StoredIndex stored = stored(dir, maxMb, above);
            IndexLocation location = stored.locate(IndexLayout.at("above-" + above + "/"));
            stores.add(stored);
            locations.add(location);
            double wall = System.nanoTime();
            double cpu = processCpu();
            for (int job = 0; job < jobs; job++) {
                try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                    int from = job * rows;
                    for (int done = 0; done < rows; done += BATCH) {
                        long batch = append(index, from + done, Math.min(BATCH, rows - done));
                        index.commit(batch + 1, Clock.systemUTC().instant());
                    }
                    index.finish(true);
                    long next = index.mergeOpenSegments(index.committed().nextBatch());
                    index.commit(next, Clock.systemUTC().instant(), true);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "  %s: jobs %.1f s wall, %.1f s process CPU; load %s; %s%n",
                    name(above),
                    (System.nanoTime() - wall) / 1e9,
                    processCpu() - cpu,
                    load(),
                    segments(stored, location));
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < SETTINGS.length; i++) {
                double wall = System.nanoTime();
                double cpu = processCpu();
                try (OpenIndex index =
                        stores.get(i).open(locations.get(i), MODELS, IndexEvents.NONE)) {
                    double seconds = (System.nanoTime() - wall) / 1e9;
                    System.out.printf(
                            Locale.ROOT,
                            "  restore of the next job, %s: %.2f s wall, %.2f s process CPU;"
                                    + " load %s%n",
                            name(SETTINGS[i]),
                            seconds,
                            processCpu() - cpu,
                            load());
                }
            }
        }
    }

    private static void restores(Path dir, long latencyMs, int maxMb) {
        System.out.printf(Locale.ROOT, "restores with %d ms per object read%n", latencyMs);
        StorageClient slow = new SlowStorage(new LocalStorageClient(dir), latencyMs);
        for (int round = 0; round < 3; round++) {
            for (int above : SETTINGS) {
                StoredIndex stored = stored(slow, maxMb, above);
                IndexLocation location = stored.locate(IndexLayout.at("above-" + above + "/"));
                double wall = System.nanoTime();
                double cpu = processCpu();
                try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                    System.out.printf(
                            Locale.ROOT,
                            "  restore of the next job, %s: %.2f s wall, %.2f s process CPU;"
                                    + " load %s%n",
                            name(above),
                            (System.nanoTime() - wall) / 1e9,
                            processCpu() - cpu,
                            load());
                }
            }
        }
    }

    /** A folder store whose every read waits a round trip first. */
    private record SlowStorage(StorageClient local, long latencyMs) implements StorageClient {

        @Override
        public byte[] get(String key) {
            pause();
            return local.get(key);
        }

        @Override
        public Optional<byte[]> find(String key) {
            pause();
            return local.find(key);
        }

        private void pause() {
            try {
                Thread.sleep(latencyMs);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }

        @Override
        public void create(String key, byte[] data, String contentType) {
            local.create(key, data, contentType);
        }

        @Override
        public void replace(String key, byte[] data, String contentType) {
            local.replace(key, data, contentType);
        }

        @Override
        public List<StoredObject> list(String prefix) {
            return local.list(prefix);
        }

        @Override
        public void delete(String key) {
            local.delete(key);
        }

        @Override
        public void ping() {
            local.ping();
        }

        @Override
        public String description() {
            return local.description();
        }
    }

    private static String name(int above) {
        return above == Integer.MAX_VALUE ? "no merge (before)" : "merge-tail-above " + above;
    }

    private static StoredIndex stored(Path dir, int maxMb, int above) {
        return stored(new LocalStorageClient(dir), maxMb, above);
    }

    private static StoredIndex stored(StorageClient storage, int maxMb, int above) {
        ShardProperties shards =
                new ShardProperties(
                        DataSize.ofMegabytes(maxMb),
                        0,
                        "IDMap,Flat",
                        Metric.INNER_PRODUCT,
                        1,
                        100_000,
                        16,
                        new ShardProperties.Auto(1_000_000, DataSize.ofGigabytes(1), 0.9),
                        above);
        ShardWriterFactory writers = new ShardWriterFactory(shards, new FaissVectorIndexes(shards));
        JsonMapper json = JsonMapper.builder().build();
        Clock clock = Clock.systemUTC();
        return new StoredIndex(
                storage,
                new ProgressStore(json),
                new ManifestPublisher(json, clock),
                writers,
                clock);
    }

    private static String segments(StoredIndex stored, IndexLocation location) {
        StringBuilder out = new StringBuilder();
        try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
            for (IndexType type : MODELS.keySet()) {
                var state = index.state(type);
                out.append(
                        String.format(
                                Locale.ROOT,
                                "%s %d shards + %d open segments; ",
                                type.key(),
                                state.sealedShards().size(),
                                state.openSegments().size()));
            }
        }
        return out.toString();
    }

    private static long append(OpenIndex index, int from, int count) {
        List<String> ids = new ArrayList<>(count);
        Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
        MODELS.forEach((type, model) -> vectors.put(type, new float[count * model.dimension()]));
        for (int i = 0; i < count; i++) {
            int id = from + i;
            ids.add("sku-" + id);
            for (Map.Entry<IndexType, float[]> entry : vectors.entrySet()) {
                int dimension = MODELS.get(entry.getKey()).dimension();
                SplittableRandom random = new SplittableRandom(id * 31L + dimension);
                float[] out = entry.getValue();
                double norm = 0;
                for (int j = 0; j < dimension; j++) {
                    float value = (float) random.nextGaussian();
                    out[i * dimension + j] = value;
                    norm += value * value;
                }
                for (int j = 0; j < dimension; j++) {
                    out[i * dimension + j] /= (float) Math.sqrt(norm);
                }
            }
        }
        long batch = index.committed().nextBatch();
        index.append(batch, vectors, ids);
        return batch;
    }

    private static double processCpu() {
        return ((OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }

    private static String load() {
        return String.format(
                Locale.ROOT,
                "%.1f",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }
}
