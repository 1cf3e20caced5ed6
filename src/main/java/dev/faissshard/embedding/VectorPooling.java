package dev.faissshard.embedding;

import dev.faissshard.embedding.UserModelProperties.Pooling;

/**
 * Turns a model's raw output into one vector per image: pooling of tokens or feature maps, L2 norm.
 */
final class VectorPooling {

    private VectorPooling() {}

    /**
     * Pools {@code raw} of {@code shape}: [N, D] is kept; [N, T, D] is pooled over T; a feature map
     * [N, C, H, W] (or [N, H, W, C] when {@code channelsLast}) over its spatial positions.
     */
    static OnnxModel.Vectors pool(
            float[] raw, long[] shape, Pooling pooling, boolean channelsLast) {
        int count = (int) shape[0];
        if (shape.length == 2) {
            return new OnnxModel.Vectors(raw, count, (int) shape[1]);
        }
        int positions;
        int dimension;
        boolean positionsFirst;
        if (shape.length == 3) {
            positions = (int) shape[1];
            dimension = (int) shape[2];
            positionsFirst = true;
        } else if (channelsLast) {
            positions = (int) (shape[1] * shape[2]);
            dimension = (int) shape[3];
            positionsFirst = true;
        } else {
            dimension = (int) shape[1];
            positions = (int) (shape[2] * shape[3]);
            positionsFirst = false;
        }
        float[] out = new float[count * dimension];
        for (int n = 0; n < count; n++) {
            int base = n * positions * dimension;
            for (int d = 0; d < dimension; d++) {
                float acc = pooling == Pooling.MAX ? Float.NEGATIVE_INFINITY : 0;
                int last = pooling == Pooling.CLS ? 1 : positions;
                for (int p = 0; p < last; p++) {
                    float v = raw[base + (positionsFirst ? p * dimension + d : d * positions + p)];
                    acc = pooling == Pooling.MAX ? Math.max(acc, v) : acc + v;
                }
                out[n * dimension + d] = pooling == Pooling.MEAN ? acc / positions : acc;
            }
        }
        return new OnnxModel.Vectors(out, count, dimension);
    }

    /** Scales every row to unit length in place (rows of zeros stay zero). */
    static void normalize(OnnxModel.Vectors vectors) {
        float[] v = vectors.values();
        int d = vectors.dimension();
        for (int row = 0; row < vectors.count(); row++) {
            double sum = 0;
            for (int j = row * d; j < (row + 1) * d; j++) {
                sum += v[j] * v[j];
            }
            if (sum > 0) {
                float scale = (float) (1 / Math.sqrt(sum));
                for (int j = row * d; j < (row + 1) * d; j++) {
                    v[j] *= scale;
                }
            }
        }
    }
}
