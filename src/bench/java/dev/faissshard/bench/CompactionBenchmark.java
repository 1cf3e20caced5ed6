package dev.faissshard.bench;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.Compaction;
import dev.faissshard.index.Deletes;
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
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shard counts after many small incremental jobs, with the tail kept open (now) and sealed at every
 * job's end (before), and the time of one compaction of the latter (with deletes applied), on a
 * local directory with real FAISS. Synthetic unit vectors of the built-in models' dimensions, no
 * images.
 *
 * <p>Usage: {@code CompactionBenchmark [JOBS=100] [ROWS_PER_JOB=300] [MAX_MB=45]}
 */
public final class CompactionBenchmark {

    private static final int BATCH = 256;
    private static final Map<IndexType, ModelInfo> MODELS = new EnumMap<>(IndexType.class);

    static {
        MODELS.put(IndexType.COLOR, new ModelInfo("bench-color", "0".repeat(64), 512));
        MODELS.put(IndexType.STRUCTURE, new ModelInfo("bench-structure", "1".repeat(64), 652));
        MODELS.put(IndexType.COMBINED, new ModelInfo("bench-combined", "2".repeat(64), 1164));
    }

    private CompactionBenchmark() {}

    public static void main(String[] args) throws Exception {
        int jobs = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int maxMb = args.length > 2 ? Integer.parseInt(args[2]) : 45;
        Path dir = Files.createTempDirectory("compaction-bench");
        ShardProperties shards =
                new ShardProperties(
                        DataSize.ofMegabytes(maxMb), 0, "IDMap,Flat", Metric.INNER_PRODUCT, 1);
        ShardWriterFactory writers = new ShardWriterFactory(shards, new FaissVectorIndexes(shards));
        JsonMapper json = JsonMapper.builder().build();
        Clock clock = Clock.systemUTC();
        StoredIndex stored =
                new StoredIndex(
                        new LocalStorageClient(dir),
                        new ProgressStore(json),
                        new ManifestPublisher(json, clock),
                        writers,
                        clock);
        System.out.printf(
                Locale.ROOT,
                "%d incremental jobs of %d rows (3 types, dimensions 512/652/1164, %d MB shards)%n",
                jobs,
                rows,
                maxMb);
        for (boolean sealAtEnd : new boolean[] {false, true}) {
            IndexLocation location = stored.locate(IndexLayout.at(sealAtEnd ? "sealed/" : "open/"));
            long start = System.nanoTime();
            for (int job = 0; job < jobs; job++) {
                try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                    int from = job * rows;
                    for (int done = 0; done < rows; done += BATCH) {
                        long batch = append(index, from + done, Math.min(BATCH, rows - done));
                        index.commit(batch + 1, clock.instant());
                    }
                    if (sealAtEnd) {
                        index.sealOpenShards();
                    } else {
                        index.finish(true);
                    }
                    index.commit(index.committed().nextBatch(), clock.instant(), true);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "  tail %s: %.1f s for the jobs; %s%n",
                    sealAtEnd ? "sealed at each end (before)" : "kept open (now)",
                    seconds(start),
                    counts(stored, location));
            if (!sealAtEnd) {
                continue;
            }
            try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                List<String> deleted = new ArrayList<>();
                for (int i = 0; i < jobs * rows; i += 97) {
                    deleted.add("sku-" + i);
                }
                long deleting = System.nanoTime();
                Deletes.delete(index, deleted, clock.instant());
                index.commit(index.committed().nextBatch(), clock.instant(), true);
                System.out.printf(
                        Locale.ROOT,
                        "  delete of %d ids: %.2f s%n",
                        deleted.size(),
                        seconds(deleting));
            }
            long cpu = cpuNanos();
            long compacting = System.nanoTime();
            try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                new Compaction(writers, clock).compact(index);
                index.commit(index.committed().nextBatch(), clock.instant(), true);
            }
            System.out.printf(
                    Locale.ROOT,
                    "  compaction of %d vectors per type: %.1f s wall, %.1f s CPU (this thread);"
                            + " %s%n",
                    jobs * rows,
                    seconds(compacting),
                    (cpuNanos() - cpu) / 1e9,
                    counts(stored, location));
        }
    }

    private static String counts(StoredIndex stored, IndexLocation location) {
        StringBuilder out = new StringBuilder();
        try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
            for (IndexType type : MODELS.keySet()) {
                var state = index.state(type);
                out.append(
                        String.format(
                                Locale.ROOT,
                                "%s %d shards + %d open segments, %.1f MB; ",
                                type.key(),
                                state.sealedShards().size(),
                                state.openSegments().size(),
                                state.bytes() / 1e6));
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

    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
