package dev.faissshard.bench;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.Compaction;
import dev.faissshard.index.Deletes;
import dev.faissshard.index.IdFile;
import dev.faissshard.index.IndexEvents;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.IndexProgress;
import dev.faissshard.index.ManifestPublisher;
import dev.faissshard.index.OpenIndex;
import dev.faissshard.index.ProgressStore;
import dev.faissshard.index.ShardRecord;
import dev.faissshard.index.StoredIndex;
import dev.faissshard.index.TombstoneRecord;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.LocalStorageClient;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * Compaction of many small trained shards (one type, 712-d synthetic clustered vectors, real FAISS,
 * local directory): the service's {@link Compaction}, which merges the shards' codes ({@code
 * merge_into}) and removes tombstoned ids ({@code remove_ids}), against decoding every live vector
 * and encoding it again into new shards (what a compaction that re-adds vectors does). Runs A and B
 * alternately on copies of one built index and prints CPU seconds of the compacting thread (FAISS
 * runs on it: one thread), wall seconds, and how many vectors' codes the re-encoding changed.
 *
 * <p>Usage: {@code TrainedCompactionBenchmark [SHARDS=20] [VECTORS_PER_SHARD=2000]
 * [FACTORY=IVF256,PQ89] [TRAINING_SAMPLE=10000] [ROUNDS=2]}
 */
public final class TrainedCompactionBenchmark {

    private static final int DIMENSION = 712;
    private static final IndexType TYPE = IndexType.COMBINED;
    private static final Map<IndexType, ModelInfo> MODELS =
            Map.of(TYPE, new ModelInfo("bench-combined", "2".repeat(64), DIMENSION));

    private TrainedCompactionBenchmark() {}

    public static void main(String[] args) throws Exception {
        int shardCount = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int perShard = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        String factory = args.length > 2 ? args[2] : "IVF256,PQ89";
        int sample = args.length > 3 ? Integer.parseInt(args[3]) : 10000;
        int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        Path root = Files.createTempDirectory("trained-compaction-bench");
        ShardProperties properties =
                new ShardProperties(DataSize.ofMegabytes(45), 0, factory, Metric.L2, 1, sample, 16);
        ShardWriterFactory writers =
                new ShardWriterFactory(properties, new FaissVectorIndexes(properties));
        Clock clock = Clock.systemUTC();
        Path built = root.resolve("built");
        StoredIndex stored = stored(built, writers, clock);
        IndexLocation location = stored.locate(IndexLayout.at("shop/"));
        long start = System.nanoTime();
        // The first job trains on its first SAMPLE vectors; each job seals its end: a small shard.
        int next = 0;
        for (int job = 0; job < shardCount; job++) {
            int rows = job == 0 ? Math.max(perShard, sample) : perShard;
            try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
                for (int done = 0; done < rows; done += 1000) {
                    long batch = append(index, next + done, Math.min(1000, rows - done));
                    index.commit(batch + 1, clock.instant());
                }
                next += rows;
                index.sealOpenShards();
                index.commit(index.committed().nextBatch(), clock.instant(), true);
            }
        }
        List<String> deleted = new ArrayList<>();
        for (int i = 0; i < next; i += 97) {
            deleted.add("sku-" + i);
        }
        try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
            Deletes.delete(index, deleted, clock.instant());
            index.commit(index.committed().nextBatch(), clock.instant(), true);
        }
        System.out.printf(
                Locale.ROOT,
                "%s, %d-d: %d shards, %d vectors (%d deleted), 45 MB max; built in %.1f s; load"
                        + " average %.2f%n",
                factory,
                DIMENSION,
                shardCount,
                next,
                deleted.size(),
                (System.nanoTime() - start) / 1e9,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        for (int round = 0; round < rounds; round++) {
            reEncode(stored, location, writers);
            Path copy = root.resolve("merge-" + round);
            copyTree(built, copy);
            StoredIndex copied = stored(copy, writers, clock);
            IndexLocation at = copied.locate(IndexLayout.at("shop/"));
            long cpu = cpuNanos();
            long wall = System.nanoTime();
            int after;
            try (OpenIndex index = copied.open(at, MODELS, IndexEvents.NONE)) {
                new Compaction(writers, clock).compact(index);
                index.commit(index.committed().nextBatch(), clock.instant(), true);
                after = index.state(TYPE).sealedShards().size();
            }
            System.out.printf(
                    Locale.ROOT,
                    "  merge codes (Compaction, stored and committed): %.2f s CPU, %.2f s wall,"
                            + " %d shard(s) after, codes changed: 0 (merged as they are); load"
                            + " average %.2f%n",
                    (cpuNanos() - cpu) / 1e9,
                    (System.nanoTime() - wall) / 1e9,
                    after,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /**
     * Decodes every live vector of every shard and encodes it again through a shard writer of the
     * same training (in memory, nothing stored): the re-adding compaction's work.
     */
    private static void reEncode(
            StoredIndex stored, IndexLocation location, ShardWriterFactory writers)
            throws IOException {
        long cpu = cpuNanos();
        long wall = System.nanoTime();
        long changed = 0;
        long vectors = 0;
        int shards = 0;
        try (OpenIndex index = stored.open(location, MODELS, IndexEvents.NONE)) {
            IndexProgress state = index.state(TYPE);
            Set<String> dead = new HashSet<>();
            for (TombstoneRecord tombstone : index.tombstones()) {
                dead.add(tombstone.file() + "#" + tombstone.faissId());
            }
            byte[] trained =
                    location.storage().get(location.layout().absolute(state.trained().file()));
            Map<Long, float[]> before = new HashMap<>();
            try (ShardWriter writer = writers.open(DIMENSION, trained)) {
                for (ShardRecord shard : state.sealedShards()) {
                    byte[] data = location.storage().get(location.layout().absolute(shard.file()));
                    List<IdFile.Entry> entries =
                            IdFile.read(
                                    location.storage()
                                            .get(location.layout().absolute(shard.idsFile())));
                    float[] live = new float[entries.size() * DIMENSION];
                    long[] ids = new long[entries.size()];
                    int kept = 0;
                    try (FaissIndex input = FaissIndex.fromBytes(data)) {
                        input.enableReconstruct();
                        for (IdFile.Entry entry : entries) {
                            if (dead.contains(shard.file() + "#" + entry.faissId())) {
                                continue;
                            }
                            float[] vector = input.reconstruct(entry.faissId());
                            before.put(entry.faissId(), vector);
                            System.arraycopy(vector, 0, live, kept * DIMENSION, DIMENSION);
                            ids[kept++] = entry.faissId();
                        }
                    }
                    for (ShardWriter.Sealed sealed :
                            writer.fill(
                                    Arrays.copyOf(live, kept * DIMENSION),
                                    Arrays.copyOf(ids, kept))) {
                        changed += changedCodes(sealed.data(), before);
                        shards++;
                    }
                    vectors += kept;
                }
                for (ShardWriter.Sealed sealed : writer.sealOpenShard().stream().toList()) {
                    changed += changedCodes(sealed.data(), before);
                    shards++;
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "  decode and re-encode (in memory, nothing stored): %.2f s CPU, %.2f s wall, %d"
                        + " shard(s) after, codes changed: %d of %d; load average %.2f%n",
                (cpuNanos() - cpu) / 1e9,
                (System.nanoTime() - wall) / 1e9,
                shards,
                changed,
                vectors,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    /** Vectors whose decoded value in {@code shard} differs from their decoded value before. */
    private static long changedCodes(byte[] shard, Map<Long, float[]> before) {
        long changed = 0;
        try (FaissIndex index = FaissIndex.fromBytes(shard)) {
            index.enableReconstruct();
            for (long id : index.ids()) {
                if (!Arrays.equals(index.reconstruct(id), before.get(id))) {
                    changed++;
                }
            }
        }
        return changed;
    }

    private static StoredIndex stored(Path dir, ShardWriterFactory writers, Clock clock) {
        JsonMapper json = JsonMapper.builder().build();
        return new StoredIndex(
                new LocalStorageClient(dir),
                new ProgressStore(json),
                new ManifestPublisher(json, clock),
                writers,
                clock);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Clustered vectors: 64 centres, Gaussian spread, so IVF lists and PQ codes differ. */
    private static long append(OpenIndex index, int from, int count) {
        List<String> ids = new ArrayList<>(count);
        float[] vectors = new float[count * DIMENSION];
        for (int i = 0; i < count; i++) {
            int row = from + i;
            ids.add("sku-" + row);
            SplittableRandom centre = new SplittableRandom(row % 64);
            SplittableRandom noise = new SplittableRandom(row * 31L + 1);
            for (int j = 0; j < DIMENSION; j++) {
                vectors[i * DIMENSION + j] =
                        (float) (centre.nextGaussian() + 0.25 * noise.nextGaussian());
            }
        }
        Map<IndexType, float[]> byType = new EnumMap<>(IndexType.class);
        byType.put(TYPE, vectors);
        long batch = index.committed().nextBatch();
        index.append(batch, byType, ids);
        return batch;
    }

    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
