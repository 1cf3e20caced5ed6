package dev.faissshard.bench;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissLibrary;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
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
 * <p>Usage: {@code TrainedIndexBenchmark [N=1000000] [FACTORY=IVF256,PQ89] [TRAINING_SAMPLE=20000]
 * [NPROBE=16] [QUERIES=100] [DATA=synthetic|real:FILE]}: {@code real:} replays the vectors of
 * {@link RealVectorsExport} to N ({@link Replayed}).
 */
public final class TrainedIndexBenchmark {

    private static final int BATCH = 10_000;
    private static final int K = 10;

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        String factory = args.length > 1 ? args[1] : "IVF256,PQ89";
        long sample = args.length > 2 ? Long.parseLong(args[2]) : 20_000;
        int nprobe = args.length > 3 ? Integer.parseInt(args[3]) : 16;
        int queryCount = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        String kind = args.length > 5 ? args[5] : "synthetic";
        FaissLibrary.ensureLoaded();
        FaissLibrary.setDefaultThreads(1);
        Catalogue data =
                kind.startsWith("real:")
                        ? Replayed.of(Path.of(kind.substring("real:".length())))
                        : new Vectors(712, 7);
        int dimension = data.dimension();

        long cpu0 = cpuNanos();
        long wall0 = System.nanoTime();
        List<FaissIndex> flat = build("IDMap,Flat", sample, n, data);
        long flatCpu = cpuNanos() - cpu0;
        long flatWall = System.nanoTime() - wall0;
        cpu0 = cpuNanos();
        wall0 = System.nanoTime();
        List<FaissIndex> trained = build(factory, sample, n, data);
        long trainedCpu = cpuNanos() - cpu0;
        long trainedWall = System.nanoTime() - wall0;
        trained.forEach(index -> index.setSearchParameter("nprobe", nprobe));

        long flatBytes = flat.stream().mapToLong(index -> index.toBytes().length).sum();
        long trainedBytes = trained.stream().mapToLong(index -> index.toBytes().length).sum();

        // Queries: catalogue vectors seen again with a little noise, as a search by image is.
        float[] queries = new float[queryCount * dimension];
        SplittableRandom pick = new SplittableRandom(99);
        for (int q = 0; q < queryCount; q++) {
            float[] v = data.vector(pick.nextInt(n));
            for (int j = 0; j < dimension; j++) {
                v[j] += 0.01f * (float) pick.nextGaussian();
            }
            normalize(v);
            System.arraycopy(v, 0, queries, q * dimension, dimension);
        }
        // Alternate the two searches (A, B, A, B): the machine is shared.
        long[][] exact = null;
        long[][] approx = null;
        long[] flatTimes = new long[2];
        long[] trainedTimes = new long[2];
        long[] flatCpus = new long[2];
        long[] trainedCpus = new long[2];
        for (int round = 0; round < 2; round++) {
            long c = cpuNanos();
            long t = System.nanoTime();
            exact = searchAll(flat, queries, true, dimension);
            flatTimes[round] = System.nanoTime() - t;
            flatCpus[round] = cpuNanos() - c;
            c = cpuNanos();
            t = System.nanoTime();
            approx = searchAll(trained, queries, false, dimension);
            trainedTimes[round] = System.nanoTime() - t;
            trainedCpus[round] = cpuNanos() - c;
        }
        long hits = 0;
        for (int q = 0; q < queryCount; q++) {
            long[] truth = exact[q].clone();
            Arrays.sort(truth);
            for (long id : approx[q]) {
                if (Arrays.binarySearch(truth, id) >= 0) {
                    hits++;
                }
            }
        }
        double recall = (double) hits / ((long) queryCount * K);
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        long flatBest = Math.min(flatTimes[0], flatTimes[1]);
        long trainedBest = Math.min(trainedTimes[0], trainedTimes[1]);
        System.out.printf(
                Locale.ROOT,
                "data=%s N=%d dimension=%d factory=%s training-sample=%d nprobe=%d queries=%d load=%.1f%n",
                kind,
                n,
                dimension,
                factory,
                sample,
                nprobe,
                queryCount,
                load);
        System.out.printf(
                Locale.ROOT,
                "build: flat %d shards %.1f s wall %.1f s CPU; %s %d shards %.1f s wall %.1f s CPU%n",
                flat.size(),
                flatWall / 1e9,
                flatCpu / 1e9,
                factory,
                trained.size(),
                trainedWall / 1e9,
                trainedCpu / 1e9);
        System.out.printf(
                Locale.ROOT,
                "bytes: flat %d, %s %d: %.1fx smaller%n",
                flatBytes,
                factory,
                trainedBytes,
                (double) flatBytes / trainedBytes);
        System.out.printf(Locale.ROOT, "recall@10 against exact: %.3f%n", recall);
        System.out.printf(
                Locale.ROOT,
                "search, ms per query (rounds A,B): flat %.2f/%.2f (CPU %.2f/%.2f), %s %.2f/%.2f"
                        + " (CPU %.2f/%.2f): %.1fx faster%n",
                flatTimes[0] / 1e6 / queryCount,
                flatTimes[1] / 1e6 / queryCount,
                flatCpus[0] / 1e6 / queryCount,
                flatCpus[1] / 1e6 / queryCount,
                factory,
                trainedTimes[0] / 1e6 / queryCount,
                trainedTimes[1] / 1e6 / queryCount,
                trainedCpus[0] / 1e6 / queryCount,
                trainedCpus[1] / 1e6 / queryCount,
                (double) flatBest / trainedBest);
        flat.forEach(FaissIndex::close);
        trained.forEach(FaissIndex::close);
    }

    /** Every shard of one factory, built through the service's writer and read back. */
    private static List<FaissIndex> build(String factory, long sample, int n, Catalogue data) {
        int dimension = data.dimension();
        ShardProperties properties =
                new ShardProperties(
                        DataSize.ofMegabytes(45), 0, factory, Metric.INNER_PRODUCT, 1, sample, 16);
        ShardWriterFactory writers =
                new ShardWriterFactory(properties, new FaissVectorIndexes(properties));
        List<FaissIndex> shards = new ArrayList<>();
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
                                                factory,
                                                t.sampleVectors(),
                                                t.nanos() / 1e9));
                appended.sealed().forEach(shard -> shards.add(FaissIndex.fromBytes(shard.data())));
            }
            writer.finish()
                    .sealed()
                    .forEach(shard -> shards.add(FaissIndex.fromBytes(shard.data())));
        }
        return shards;
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
