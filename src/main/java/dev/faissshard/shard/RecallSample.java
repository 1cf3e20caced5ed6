package dev.faissshard.shard;

import java.util.Arrays;

/**
 * A sample of the exact vectors a build added, to measure at its end how well a trained index finds
 * their exact nearest neighbours (autofaiss' {@code score_index}): the sample is searched exactly
 * and through a copy of the trained index holding the same vectors. Vectors are chosen by a hash of
 * their id, so the same catalogue gives the same sample whatever the batch size; the sample is
 * bounded in floats so that it costs the same heap whatever the dimension.
 *
 * <p>Not thread-safe: fed by the job's thread.
 */
public final class RecallSample {

    /** Floats the sample holds at most (16 MB of heap). */
    private static final int MAX_FLOATS = 4 << 20;

    /** Queries searched at most. */
    private static final int MAX_QUERIES = 200;

    /** Fewer sampled vectors than this give no measure worth recording. */
    public static final int MIN_VECTORS = 500;

    private static final int K = 10;

    private final int dimension;
    private final int capacity;
    private float[] vectors = new float[0];
    private long[] ids = new long[0];
    private int count;

    public RecallSample(int dimension) {
        this.dimension = dimension;
        this.capacity = Math.max(1, MAX_FLOATS / dimension);
    }

    /** Offers a batch's rows; keeps one in four (by id hash) until the sample is full. */
    public void offer(float[] batch, long[] batchIds) {
        for (int row = 0; row < batchIds.length && count < capacity; row++) {
            if ((mix(batchIds[row]) & 3) != 0) {
                continue;
            }
            if (count == ids.length) {
                int grown = Math.min(capacity, Math.max(64, count * 2));
                vectors = Arrays.copyOf(vectors, grown * dimension);
                ids = Arrays.copyOf(ids, grown);
            }
            System.arraycopy(batch, row * dimension, vectors, count * dimension, dimension);
            ids[count++] = batchIds[row];
        }
    }

    public int size() {
        return count;
    }

    /**
     * Recall@10 of a copy of {@code trained} holding the sample, against exact search over it, with
     * {@code nprobe} inverted lists searched.
     */
    public Measured measure(VectorIndexes indexes, byte[] trained, Metric metric, int nprobe) {
        float[] sample = Arrays.copyOf(vectors, count * dimension);
        long[] sampleIds = Arrays.copyOf(ids, count);
        int queries = Math.min(MAX_QUERIES, count);
        float[] queryVectors = Arrays.copyOf(sample, queries * dimension);
        int k = Math.min(K, count);
        try (VectorIndex exact = indexes.create(dimension, ShardWriter.SEGMENT_FACTORY, metric);
                VectorIndex approximate = indexes.fromBytes(trained)) {
            exact.addWithIds(sample, sampleIds);
            approximate.addWithIds(sample, sampleIds);
            boolean probed = approximate.setSearchParameter("nprobe", nprobe);
            long[] truth = exact.searchIds(queryVectors, k);
            long[] found = approximate.searchIds(queryVectors, k);
            long hits = 0;
            for (int q = 0; q < queries; q++) {
                long[] expected = Arrays.copyOfRange(truth, q * k, (q + 1) * k);
                Arrays.sort(expected);
                for (int j = 0; j < k; j++) {
                    long id = found[q * k + j];
                    if (id >= 0 && Arrays.binarySearch(expected, id) >= 0) {
                        hits++;
                    }
                }
            }
            return new Measured(
                    (double) hits / ((long) queries * k), count, queries, probed ? nprobe : 0);
        }
    }

    private static long mix(long id) {
        long z = id + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One measure: recall@10, sample size, queries, nprobe (0 for indexes without lists). */
    public record Measured(double recallAt10, int sampleSize, int queries, int nprobe) {}
}
