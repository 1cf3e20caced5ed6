package dev.faissshard.shard;

import java.util.SplittableRandom;

/**
 * Predicts the serialized size of an index from its vector count, so a shard can be sealed before a
 * batch would take it past the size limit without serializing the open shard after every batch.
 *
 * <p>Untrained kinds are calibrated once per (factory, dimension, metric) by serializing an empty
 * index and one holding a sample of random vectors: exact for flat codes, an average for graph
 * indexes such as HNSW (whose per-vector size varies with the random level of each node). Trained
 * kinds (IVF, PQ, OPQ) have a fixed code per vector: {@link #ofTrained} takes the trained empty
 * index's bytes as the base, plus the 8-byte size FAISS writes per inverted list once lists fill,
 * and code plus id per vector, an exact upper bound. Until the index is trained, {@link #calibrate}
 * estimates the trained parameters' bytes from the factory's shape (for the dry run only: shards
 * are always sealed with the model of the real trained index).
 */
public record ShardSizeModel(long baseBytes, double bytesPerVector) {

    private static final int CALIBRATION_VECTORS = 512;

    /** Per-vector size code of an index that stores codes but cannot store ids. */
    private static final long NO_IDS = -2;

    public static ShardSizeModel calibrate(
            VectorIndexes indexes, String factory, int dimension, Metric metric) {
        try (VectorIndex empty = indexes.create(dimension, factory, metric)) {
            if (!empty.isTrained()) {
                return untrainedEstimate(empty, factory, dimension);
            }
            try (VectorIndex sample = indexes.create(dimension, factory, metric)) {
                return sampled(empty.toBytes().length, sample, factory, dimension);
            }
        }
    }

    /**
     * The exact model of shards made from copies of {@code trained} (a trained, empty index):
     * sealing by it keeps every shard under its byte limit.
     */
    public static ShardSizeModel ofTrained(VectorIndexes indexes, VectorIndex trained) {
        byte[] bytes = trained.toBytes();
        long perVector = trained.bytesPerVector();
        if (perVector > 0) {
            return new ShardSizeModel(bytes.length + 8 * trained.invertedLists(), perVector);
        }
        try (VectorIndex sample = indexes.fromBytes(bytes)) {
            return sampled(bytes.length, sample, "trained index", trained.dimension());
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

    private static ShardSizeModel untrainedEstimate(
            VectorIndex empty, String factory, int dimension) {
        long perVector = empty.bytesPerVector();
        if (perVector == NO_IDS) {
            throw noIds(factory, "it has no ids of its own");
        }
        if (perVector < 0) {
            throw new IllegalArgumentException(
                    "FAISS factory '"
                            + factory
                            + "' needs training but its size per vector is not fixed; use IVF, PQ or"
                            + " OPQ codes, e.g. 'IVF1024,PQ89'");
        }
        long lists = empty.invertedLists();
        // Coarse centroids (plus a list size each), product-quantizer codebooks (256 codes of every
        // sub-vector: 256 floats per dimension) and, for OPQ, a rotation of up to d x d floats.
        long trained = lists * (4L * dimension + 8) + 256L * 4 * dimension;
        if (factory.contains("OPQ")) {
            trained += 4L * dimension * dimension;
        }
        if (factory.contains("HNSW")) {
            trained += lists * 32L * 2 * 4;
        }
        return new ShardSizeModel(empty.toBytes().length + trained, perVector);
    }

    private static ShardSizeModel sampled(
            long base, VectorIndex sample, String factory, int dimension) {
        float[] vectors = randomUnitVectors(CALIBRATION_VECTORS, dimension);
        long[] ids = new long[CALIBRATION_VECTORS];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i * 7919L;
        }
        try {
            sample.addWithIds(vectors, ids);
        } catch (RuntimeException ex) {
            throw noIds(factory, ex.getMessage().strip());
        }
        long full = sample.toBytes().length;
        return new ShardSizeModel(base, (double) (full - base) / CALIBRATION_VECTORS);
    }

    private static IllegalArgumentException noIds(String factory, String why) {
        return new IllegalArgumentException(
                "FAISS factory '"
                        + factory
                        + "' cannot store ids ("
                        + why
                        + "); wrap it in IDMap, e.g. 'IDMap,"
                        + factory
                        + "'");
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
