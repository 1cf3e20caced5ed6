package dev.faissshard.bench;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissLibrary;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.ObjectBody;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.springframework.util.unit.DataSize;

/**
 * Trained (IVF-PQ) shards against flat shards of the same vectors, both made by the service's own
 * {@link ShardWriter} with 45 MB shards: total bytes, recall@10 of the trained shards against exact
 * search (the flat shards, scanned exactly), and the time to search every shard of each kind (flat
 * shards through the service's batched exact scan, trained shards through FAISS with {@code
 * nprobe}), one query at a time, on one thread.
 *
 * <p>The vectors are synthetic with a realistic spread: unit vectors of 712 dimensions (the
 * combined type's) around 2,000 cluster centres in a 64-dimensional subspace, with a spread within
 * each cluster and isotropic noise in all 712 dimensions, so that nearest neighbours are neither
 * trivial (identical copies) nor meaningless (pure noise).
 *
 * <p>Usage: {@code TrainedIndexBenchmark [N=1000000] [FACTORIES=IVF256,PQ89]
 * [TRAINING_SAMPLE=20000] [NPROBES=16] [QUERIES=100] [DATA=synthetic|real:FILE]
 * [QUERY_KINDS=noise]}: FACTORIES is one or more factory strings separated by {@code ;}, {@code
 * auto} for the service's choice ({@link dev.faissshard.shard.AutoFactory}: N expected vectors, the
 * shipped budget and floor); NPROBES is one or more {@code nprobe} values separated by commas, each
 * measured on the same shards; {@code real:} replays the vectors of {@link RealVectorsExport} to N
 * ({@link Replayed}); QUERY_KINDS is {@code noise}, {@code unseen} or both, comma-separated
 * (QUERIES of each).
 */
public final class TrainedIndexBenchmark {

    private static final int BATCH = 10_000;
    private static final int K = 10;

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        List<String> factories =
                Arrays.stream((args.length > 1 ? args[1] : "IVF256,PQ89").split(";"))
                        .map(String::strip)
                        .filter(f -> !f.isEmpty())
                        .toList();
        long sample = args.length > 2 ? Long.parseLong(args[2]) : 20_000;
        int[] nprobes =
                Arrays.stream((args.length > 3 ? args[3] : "16").split(","))
                        .mapToInt(p -> Integer.parseInt(p.strip()))
                        .toArray();
        int queryCount = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        String kind = args.length > 5 ? args[5] : "synthetic";
        List<String> queryKinds =
                Arrays.stream((args.length > 6 ? args[6] : "noise").split(","))
                        .map(String::strip)
                        .toList();
        FaissLibrary.ensureLoaded();
        FaissLibrary.setDefaultThreads(1);
        Catalogue data =
                kind.startsWith("real:")
                        ? Replayed.of(Path.of(kind.substring("real:".length())))
                        : new Vectors(712, 7);
        int dimension = data.dimension();
        System.out.printf(
                Locale.ROOT,
                "data=%s N=%d dimension=%d factories=%s training-sample=%d nprobe=%s queries=%d"
                        + " per kind %s load=%.1f%n",
                kind,
                n,
                dimension,
                factories,
                sample,
                Arrays.toString(nprobes),
                queryCount,
                queryKinds,
                load());

        // The trained indexes first: training holds a flat copy of the sample and its negation,
        // which then does not add to the flat shards' memory (4.7 GB for 1M x 1,164 floats).
        List<Built> trained = new ArrayList<>();
        for (String factory : factories) {
            trained.add(build(factory, sample, n, data));
        }
        Built flat = build("IDMap,Flat", sample, n, data);
        flat.print(flat.bytes);
        trained.forEach(built -> built.print(flat.bytes));

        // Queries per kind: "noise", catalogue vectors seen again with isotropic noise (0.01 per
        // dimension); "unseen", vectors of the same generator past N, not in the index (for real
        // data new variants of real pictures, their difference in the real vectors' spectrum).
        float[] queries = new float[queryKinds.size() * queryCount * dimension];
        SplittableRandom pick = new SplittableRandom(99);
        for (int k = 0; k < queryKinds.size(); k++) {
            boolean unseen = queryKinds.get(k).equals("unseen");
            for (int q = 0; q < queryCount; q++) {
                float[] v = data.vector(unseen ? n + q : pick.nextInt(n));
                if (!unseen) {
                    for (int j = 0; j < dimension; j++) {
                        v[j] += 0.01f * (float) pick.nextGaussian();
                    }
                    normalize(v);
                }
                System.arraycopy(v, 0, queries, (k * queryCount + q) * dimension, dimension);
            }
        }
        int allQueries = queryKinds.size() * queryCount;
        // Alternate the searches (flat, every trained index at every nprobe, flat, ...): the
        // machine is shared, so each kind sees the same load twice.
        long[][] exact = null;
        long[][][][] approx = new long[trained.size()][nprobes.length][][];
        Timing flatTiming = new Timing();
        Timing[][] trainedTiming = new Timing[trained.size()][nprobes.length];
        for (int round = 0; round < 2; round++) {
            long c = cpuNanos();
            long t = System.nanoTime();
            exact = searchAll(flat.shards, queries, true, dimension);
            flatTiming.add(System.nanoTime() - t, cpuNanos() - c, load());
            for (int f = 0; f < trained.size(); f++) {
                for (int p = 0; p < nprobes.length; p++) {
                    int nprobe = nprobes[p];
                    trained.get(f).shards.forEach(i -> i.setSearchParameter("nprobe", nprobe));
                    c = cpuNanos();
                    t = System.nanoTime();
                    approx[f][p] = searchAll(trained.get(f).shards, queries, false, dimension);
                    if (trainedTiming[f][p] == null) {
                        trainedTiming[f][p] = new Timing();
                    }
                    trainedTiming[f][p].add(System.nanoTime() - t, cpuNanos() - c, load());
                }
            }
        }
        System.out.printf(
                Locale.ROOT,
                "search flat, ms per query (rounds A,B): %s%n",
                flatTiming.describe(allQueries));
        for (int f = 0; f < trained.size(); f++) {
            for (int p = 0; p < nprobes.length; p++) {
                Timing timing = trainedTiming[f][p];
                StringBuilder recalls = new StringBuilder();
                for (int k = 0; k < queryKinds.size(); k++) {
                    recalls.append(k == 0 ? "" : ", ")
                            .append(
                                    String.format(
                                            Locale.ROOT,
                                            "%.3f (%s queries)",
                                            recall(
                                                    exact,
                                                    approx[f][p],
                                                    k * queryCount,
                                                    (k + 1) * queryCount),
                                            queryKinds.get(k)));
                }
                System.out.printf(
                        Locale.ROOT,
                        "%s nprobe %d: recall@10 against exact %s; ms per query %s;"
                                + " %.1fx faster by wall, %.1fx by CPU%n",
                        trained.get(f).factory,
                        nprobes[p],
                        recalls,
                        timing.describe(allQueries),
                        (double) flatTiming.bestWall() / timing.bestWall(),
                        (double) flatTiming.bestCpu() / timing.bestCpu());
            }
        }
        flat.shards.forEach(FaissIndex::close);
        trained.forEach(built -> built.shards.forEach(FaissIndex::close));
    }

    private static double recall(long[][] exact, long[][] approx, int from, int to) {
        long hits = 0;
        for (int q = from; q < to; q++) {
            long[] truth = exact[q].clone();
            Arrays.sort(truth);
            for (long id : approx[q]) {
                if (Arrays.binarySearch(truth, id) >= 0) {
                    hits++;
                }
            }
        }
        return (double) hits / ((long) (to - from) * K);
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** Wall and CPU time of each round of one search, and the load average after it. */
    private static final class Timing {
        private final List<long[]> rounds = new ArrayList<>();
        private final List<Double> loads = new ArrayList<>();

        void add(long wall, long cpu, double load) {
            rounds.add(new long[] {wall, cpu});
            loads.add(load);
        }

        long bestWall() {
            return rounds.stream().mapToLong(r -> r[0]).min().orElseThrow();
        }

        long bestCpu() {
            return rounds.stream().mapToLong(r -> r[1]).min().orElseThrow();
        }

        String describe(int queries) {
            StringBuilder out = new StringBuilder();
            for (int r = 0; r < rounds.size(); r++) {
                out.append(r == 0 ? "" : ", ")
                        .append(
                                String.format(
                                        Locale.ROOT,
                                        "%.2f wall / %.2f CPU (load %.1f)",
                                        rounds.get(r)[0] / 1e6 / queries,
                                        rounds.get(r)[1] / 1e6 / queries,
                                        loads.get(r)));
            }
            return out.toString();
        }
    }

    /** The shards of one factory, what they weigh in all and what building them cost. */
    private record Built(
            String factory, List<FaissIndex> shards, long bytes, long wallNanos, long cpuNanos) {

        void print(long flatBytes) {
            System.out.printf(
                    Locale.ROOT,
                    "build %s: %d shards, %d bytes (%.1fx smaller than flat), %.1f s wall, %.1f s"
                            + " CPU, load %.1f%n",
                    factory,
                    shards.size(),
                    bytes,
                    (double) flatBytes / bytes,
                    wallNanos / 1e9,
                    cpuNanos / 1e9,
                    load());
        }
    }

    /**
     * Every shard of one factory, built through the service's writer and read back; {@code auto} is
     * chosen by the service's {@link dev.faissshard.shard.AutoFactory} for N expected vectors with
     * the shipped memory budget and recall floor.
     */
    private static Built build(String factory, long sample, int n, Catalogue data) {
        long cpu0 = cpuNanos();
        long wall0 = System.nanoTime();
        int dimension = data.dimension();
        ShardProperties properties =
                new ShardProperties(
                        DataSize.ofMegabytes(45),
                        0,
                        factory,
                        Metric.INNER_PRODUCT,
                        1,
                        sample,
                        16,
                        ShardProperties.Auto.shipped(n));
        ShardWriterFactory writers =
                new ShardWriterFactory(properties, new FaissVectorIndexes(properties));
        String name = writers.settings(dimension).factory();
        writers.autoChoice(dimension)
                .ifPresent(
                        choice ->
                                System.out.printf(
                                        Locale.ROOT,
                                        "auto chose %s: %s%n",
                                        choice.factory(),
                                        choice.reason()));
        List<FaissIndex> shards = new ArrayList<>();
        long[] bytes = {0};
        try (ShardWriter writer = writers.open(dimension)) {
            for (int from = 0; from < n; from += BATCH) {
                int count = Math.min(BATCH, n - from);
                float[] vectors = new float[count * dimension];
                long[] ids = new long[count];
                for (int i = 0; i < count; i++) {
                    System.arraycopy(data.vector(from + i), 0, vectors, i * dimension, dimension);
                    ids[i] = from + i;
                }
                ShardWriter.Appended appended = writer.append(vectors, ids);
                appended.trained()
                        .ifPresent(
                                t ->
                                        System.out.printf(
                                                Locale.ROOT,
                                                "trained %s on %d vectors in %.1f s%n",
                                                name,
                                                t.sampleVectors(),
                                                t.nanos() / 1e9));
                appended.sealed().forEach(shard -> bytes[0] += readBack(shard, shards));
            }
            writer.finish().sealed().forEach(shard -> bytes[0] += readBack(shard, shards));
        }
        System.out.printf(
                Locale.ROOT,
                "built %s: %d shards, %d bytes, load %.1f%n",
                name,
                shards.size(),
                bytes[0],
                load());
        return new Built(
                factory.equalsIgnoreCase(ShardProperties.AUTO) ? "auto=" + name : name,
                shards,
                bytes[0],
                System.nanoTime() - wall0,
                cpuNanos() - cpu0);
    }

    /**
     * Opens a sealed shard from its serialized bytes and frees them (the service frees them once
     * stored): its size in bytes.
     */
    private static long readBack(ShardWriter.Sealed shard, List<FaissIndex> shards) {
        try (ObjectBody body = shard.body()) {
            shards.add(FaissIndex.fromBytes(body.bytes()));
            return body.size();
        }
    }

    /** The exact or approximate top 10 of each query over every shard, merged. */
    private static long[][] searchAll(
            List<FaissIndex> shards, float[] queries, boolean exact, int dimension) {
        int count = queries.length / dimension;
        long[][] out = new long[count][];
        for (int q = 0; q < count; q++) {
            float[] query = Arrays.copyOfRange(queries, q * dimension, (q + 1) * dimension);
            float[] best = new float[K];
            long[] bestIds = new long[K];
            Arrays.fill(best, Float.NEGATIVE_INFINITY);
            Arrays.fill(bestIds, -1);
            for (FaissIndex shard : shards) {
                FaissIndex.SearchResult result =
                        exact
                                ? shard.searchRows(query, K, 0, shard.count())
                                : shard.search(query, K);
                for (int r = 0; r < K; r++) {
                    long id = result.id(0, r);
                    float d = result.distance(0, r);
                    if (id < 0 || d <= best[K - 1]) {
                        continue;
                    }
                    int at = K - 1;
                    while (at > 0 && best[at - 1] < d) {
                        best[at] = best[at - 1];
                        bestIds[at] = bestIds[at - 1];
                        at--;
                    }
                    best[at] = d;
                    bestIds[at] = id;
                }
            }
            out[q] = bestIds;
        }
        return out;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    static void normalize(float[] v) {
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        float scale = (float) (1 / Math.sqrt(norm));
        for (int j = 0; j < v.length; j++) {
            v[j] *= scale;
        }
    }

    /**
     * Vector {@code i} of the synthetic catalogue, computed from {@code i} alone, so both builds
     * and the queries see the same vectors without holding a million of them.
     */
    private static final class Vectors implements Catalogue {

        private static final int LATENT = 64;
        private static final int CLUSTERS = 2000;

        private final int dimension;
        private final float[] projection;
        private final float[] centres;

        Vectors(int dimension, long seed) {
            this.dimension = dimension;
            SplittableRandom random = new SplittableRandom(seed);
            projection = new float[LATENT * dimension];
            for (int i = 0; i < projection.length; i++) {
                projection[i] = (float) (random.nextGaussian() / Math.sqrt(LATENT));
            }
            centres = new float[CLUSTERS * LATENT];
            for (int i = 0; i < centres.length; i++) {
                centres[i] = (float) random.nextGaussian();
            }
        }

        @Override
        public int dimension() {
            return dimension;
        }

        @Override
        public float[] vector(int i) {
            SplittableRandom random = new SplittableRandom(0x5DEECE66DL * (i + 1));
            int cluster = random.nextInt(CLUSTERS);
            float[] latent = new float[LATENT];
            for (int j = 0; j < LATENT; j++) {
                latent[j] = centres[cluster * LATENT + j] + 0.45f * (float) random.nextGaussian();
            }
            float[] v = new float[dimension];
            for (int l = 0; l < LATENT; l++) {
                float x = latent[l];
                int row = l * dimension;
                for (int j = 0; j < dimension; j++) {
                    v[j] += x * projection[row + j];
                }
            }
            for (int j = 0; j < dimension; j++) {
                v[j] += 0.05f * (float) random.nextGaussian();
            }
            normalize(v);
            return v;
        }
    }

    /** Vector {@code i} of the catalogue, a function of {@code i} alone. */
    private interface Catalogue {
        int dimension();

        float[] vector(int i);
    }

    /**
     * The real vectors of a small build ({@link RealVectorsExport}) replayed to N with noise:
     * vector {@code i} is real vector {@code i mod m} (the first m exactly) moved along the
     * difference of two other real vectors, by a uniform share of its distance to its nearest real
     * neighbour. The perturbation has the real vectors' spectrum (differences of real vectors, not
     * isotropic noise), and replayed copies of one picture stay nearer to it than any other real
     * picture is, as variants of one product photographed again would.
     */
    private static final class Replayed implements Catalogue {

        private final int dimension;
        private final int count;
        private final float[] real;
        private final float[] nearest;

        private Replayed(int dimension, int count, float[] real) {
            this.dimension = dimension;
            this.count = count;
            this.real = real;
            this.nearest = new float[count];
            for (int a = 0; a < count; a++) {
                double best = -2;
                for (int b = 0; b < count; b++) {
                    if (b != a) {
                        double dot = 0;
                        for (int j = 0; j < dimension; j++) {
                            dot += real[a * dimension + j] * real[b * dimension + j];
                        }
                        best = Math.max(best, dot);
                    }
                }
                nearest[a] = (float) Math.sqrt(Math.max(0, 2 - 2 * best));
            }
        }

        static Replayed of(Path file) {
            try {
                ByteBuffer buffer =
                        ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
                int count = buffer.getInt();
                int dimension = buffer.getInt();
                float[] real = new float[count * dimension];
                buffer.asFloatBuffer().get(real);
                return new Replayed(dimension, count, real);
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }

        @Override
        public int dimension() {
            return dimension;
        }

        @Override
        public float[] vector(int i) {
            int a = i % count;
            float[] v = Arrays.copyOfRange(real, a * dimension, (a + 1) * dimension);
            if (i < count) {
                return v;
            }
            SplittableRandom random = new SplittableRandom(0x9E3779B97F4A7C15L * (i + 1));
            int b = random.nextInt(count);
            int c = random.nextInt(count);
            float[] diff = new float[dimension];
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                diff[j] = real[b * dimension + j] - real[c * dimension + j];
                norm += diff[j] * diff[j];
            }
            double step = nearest[a] * random.nextDouble() / Math.max(1e-6, Math.sqrt(norm));
            for (int j = 0; j < dimension; j++) {
                v[j] += (float) (step * diff[j]);
            }
            normalize(v);
            return v;
        }
    }
}
