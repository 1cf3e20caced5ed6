package dev.faissshard.shard;

import java.util.SplittableRandom;

/**
 * Predicts the serialized size of an index from its vector count, so a shard can be sealed before a
 * batch would take it past the size limit without serializing the open shard after every batch.
 * Calibrated once per (factory, dimension, metric) by serializing an empty index and one holding a
 * sample of random vectors; exact for flat, scalar- and product-quantised codes, an average for
 * graph indexes such as HNSW (whose per-vector size varies with the random level of each node).
 */
public record ShardSizeModel(long baseBytes, double bytesPerVector) {

    private static final int CALIBRATION_VECTORS = 512;

    public static ShardSizeModel calibrate(
            VectorIndexes indexes, String factory, int dimension, Metric metric) {
        try (VectorIndex empty = indexes.create(dimension, factory, metric);
                VectorIndex sample = indexes.create(dimension, factory, metric)) {
            if (!empty.isTrained()) {
                throw new IllegalArgumentException(
                        "FAISS factory '"
                                + factory
                                + "' needs training, which shard building does not support; use an untrained kind such as 'IDMap,Flat' or 'IDMap,HNSW32'");
            }
            long base = empty.toBytes().length;
            float[] vectors = randomUnitVectors(CALIBRATION_VECTORS, dimension);
            long[] ids = new long[CALIBRATION_VECTORS];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = i * 7919L;
            }
            try {
                sample.addWithIds(vectors, ids);
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(
                        "FAISS factory '"
                                + factory
                                + "' cannot store ids ("
                                + ex.getMessage().strip()
                                + "); wrap it in IDMap, e.g. 'IDMap,"
                                + factory
                                + "'",
                        ex);
            }
            long full = sample.toBytes().length;
            return new ShardSizeModel(base, (double) (full - base) / CALIBRATION_VECTORS);
        }
    }

    public long estimate(long vectors) {
        return baseBytes + (long) Math.ceil(bytesPerVector * vectors);
    }

    /**
     * How many vectors fit under {@code maxBytes}; at least one, so a shard always makes progress.
     */
    public long capacity(long maxBytes) {
        long room = maxBytes - baseBytes;
        return Math.max(1, (long) Math.floor(room / bytesPerVector));
    }

    private static float[] randomUnitVectors(int count, int dimension) {
        SplittableRandom random = new SplittableRandom(42);
        float[] out = new float[count * dimension];
        for (int row = 0; row < count; row++) {
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                float value = (float) random.nextGaussian();
                out[row * dimension + j] = value;
                norm += value * value;
            }
            float scale = (float) (1 / Math.sqrt(norm));
            for (int j = 0; j < dimension; j++) {
                out[row * dimension + j] *= scale;
            }
        }
        return out;
    }
}
