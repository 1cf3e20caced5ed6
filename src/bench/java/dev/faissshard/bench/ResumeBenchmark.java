package dev.faissshard.bench;

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
import dev.faissshard.storage.StorageProperties;
import dev.faissshard.storage.supabase.SupabaseStorageClient;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Times what a resumed job does before its first new vector, on an index synthesised in storage
 * (random unit vectors of the built-in models' dimensions, written through the service's own {@link
 * OpenIndex} in batches of 256 and left unsealed, as a killed build leaves it): opening the index
 * (progress, manifest, leftovers, sealed shards' id files, the open shard's segments), then one new
 * batch committed. Then a resume with nothing to do (seal, final commit) and a rebuild of the same
 * vectors into a store that already holds the shards. On a local directory and on the Supabase
 * emulator (loopback; it answers an upload onto an existing key early, as the real server does). No
 * images are fetched or embedded: this is the storage side of a resume alone.
 *
 * <p>Usage: {@code ResumeBenchmark [VECTORS=100000] [SUPABASE_VECTORS=30000] [RUNS=1]} (the
 * emulator holds every object in the benchmark's heap: 30,000 vectors of the three types are 280
 * MB).
 */
public final class ResumeBenchmark {

    private static final int BATCH = 256;
    private static final Map<IndexType, ModelInfo> MODELS = new EnumMap<>(IndexType.class);

    static {
        MODELS.put(IndexType.COLOR, new ModelInfo("bench-color", "0".repeat(64), 512));
        MODELS.put(IndexType.STRUCTURE, new ModelInfo("bench-structure", "1".repeat(64), 652));
        MODELS.put(IndexType.COMBINED, new ModelInfo("bench-combined", "2".repeat(64), 1164));
    }

    private ResumeBenchmark() {}

    public static void main(String[] args) throws Exception {
        int vectors = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int supabaseVectors = args.length > 1 ? Integer.parseInt(args[1]) : 30_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Path dir = Files.createTempDirectory("resume-bench");
        ShardWriterFactory writers =
                new ShardWriterFactory(
                        new ShardProperties(
                                DataSize.ofMegabytes(45), 0, "IDMap,Flat", Metric.INNER_PRODUCT, 1),
                        new FaissVectorIndexes(
                                new ShardProperties(
                                        DataSize.ofMegabytes(45),
                                        0,
                                        "IDMap,Flat",
                                        Metric.INNER_PRODUCT,
                                        1)));
        System.out.printf(
                Locale.ROOT,
                "Resume of a killed build (3 index types, dimensions 512/652/1164, batches of %d,"
                        + " 45 MB shards), %d run(s), medians%n",
                BATCH,
                runs);
        measure("local", new LocalStorageClient(dir.resolve("local")), writers, vectors, runs);
        try (SupabaseEmulator emulator = new SupabaseEmulator();
                SupabaseStorageApi api = supabase(emulator)) {
            emulator.createBucket("bench", false, null);
            SupabaseStorageClient client = new SupabaseStorageClient(api, supabaseSettings());
            client.initialize();
            measure("supabase emulator", client, writers, supabaseVectors, runs);
        }
    }

    private static void measure(
            String name, StorageClient storage, ShardWriterFactory writers, int vectors, int runs)
            throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        Clock clock = Clock.systemUTC();
        StoredIndex stored =
                new StoredIndex(
                        storage,
                        new ProgressStore(json),
                        new ManifestPublisher(json, clock),
                        writers,
                        clock);
        List<Double> firstVector = new ArrayList<>();
        List<Double> opens = new ArrayList<>();
        List<Double> nothingToDo = new ArrayList<>();
        List<Double> rebuilds = new ArrayList<>();
        double synthesis = 0;
        for (int run = 0; run < runs; run++) {
            IndexLocation location = stored.locate(IndexLayout.at("run-" + run + "/"));
            long start = System.nanoTime();
            try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                for (int from = 0; from < vectors; from += BATCH) {
                    long batch = append(index, from, Math.min(BATCH, vectors - from));
                    index.commit(batch + 1, clock.instant());
                }
            }
            synthesis += seconds(start);

            start = System.nanoTime();
            OpenIndex resumed = stored.open(location, MODELS, IndexEvents.NONE);
            opens.add(seconds(start));
            long first = append(resumed, vectors, BATCH);
            resumed.commit(first + 1, clock.instant());
            firstVector.add(seconds(start));
            resumed.sealOpenShards();
            resumed.commit(resumed.committed().nextBatch() + 1, clock.instant(), true);
            resumed.close();

            start = System.nanoTime();
            try (OpenIndex again = stored.open(location, MODELS, IndexEvents.NONE)) {
                again.sealOpenShards();
                again.commit(again.committed().nextBatch(), clock.instant(), true);
            }
            nothingToDo.add(seconds(start));

            // A rebuild: progress gone, shards still there; the same vectors are added again.
            storage.delete(location.layout().progressKey());
            start = System.nanoTime();
            try (OpenIndex rebuild = stored.open(location, MODELS, IndexEvents.NONE)) {
                for (int from = 0; from < vectors + BATCH; from += BATCH) {
                    long batch = append(rebuild, from, Math.min(BATCH, vectors + BATCH - from));
                    rebuild.commit(batch + 1, clock.instant());
                }
                rebuild.sealOpenShards();
                rebuild.commit(rebuild.committed().nextBatch() + 1, clock.instant(), true);
            }
            rebuilds.add(seconds(start));
        }
        System.out.printf(
                Locale.ROOT,
                "  %-18s %,7d vectors: open %.2f s, first new batch committed %.2f s, resume with nothing to do"
                        + " %.2f s, rebuild over existing shards %.2f s (synthesis %.1f s per run)%n",
                name,
                vectors,
                median(opens),
                median(firstVector),
                median(nothingToDo),
                median(rebuilds),
                synthesis / runs);
    }

    /** Deterministic vectors per id, so a rebuild writes byte-identical shards. */
    /** Appends one batch as the next; returns its number. */
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

    private static SupabaseStorageApi supabase(SupabaseEmulator emulator) {
        SupabaseProperties properties =
                new SupabaseProperties(
                        URI.create(emulator.url()),
                        SupabaseEmulator.SERVICE_KEY,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(60),
                        new SupabaseProperties.Retry(
                                6, Duration.ofMillis(200), Duration.ofSeconds(20), 2.0));
        return SupabaseStorageApi.create(
                WebClient.builder(), properties, JsonMapper.builder().build());
    }

    private static StorageProperties.Supabase supabaseSettings() {
        return new StorageProperties.Supabase(
                "bench",
                false,
                DataSize.ofBytes(0),
                DataSize.ofMegabytes(6),
                DataSize.ofMegabytes(6),
                1000);
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }
}
