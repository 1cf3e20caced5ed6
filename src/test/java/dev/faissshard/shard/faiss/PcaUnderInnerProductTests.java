package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * A PCA trained by the shard writer under inner product keeps inner products: a full-rank PCA
 * rotation in front of exact codes ({@code PCAR16,IVF1,Flat}: one list, exact vectors) must rank
 * like exact inner-product search, on vectors with a large common mean, as the models' are. FAISS's
 * PCA alone subtracts the training mean, which ranks by the inner product with the query minus that
 * mean instead.
 */
class PcaUnderInnerProductTests {

    private static final int DIMENSION = 16;
    private static final int VECTORS = 600;
    private static final int QUERIES = 50;

    @Test
    void aFullRankPcaInFrontOfExactCodesRanksLikeExactInnerProductSearch() {
        assertRanksLikeExactSearch(DIMENSION, trainedBy("PCAR16,IVF1,Flat", DIMENSION));
    }

    @Test
    void theTrainedIndexKeepsTheAppliedRotationButNotThePcaTrainingMatrix() {
        int dimension = 64;
        byte[] trained = trainedBy("PCAR64,IVF1,Flat", dimension);
        // The applied rotation alone is 4·d·d bytes; FAISS would serialize its d·d training matrix
        // as much again, into every shard, though applying never reads it.
        int matrixBytes = 4 * dimension * dimension;
        assertThat(trained.length).isGreaterThan(matrixBytes).isLessThan(2 * matrixBytes);
        assertRanksLikeExactSearch(dimension, trained);
    }

    private static byte[] trainedBy(String factory, int dimension) {
        float[] vectors = offCentre(VECTORS, dimension, 3);
        ShardWriterFactory writers =
                new ShardWriterFactory(
                        new ShardProperties(
                                DataSize.ofKilobytes(1024),
                                0,
                                factory,
                                Metric.INNER_PRODUCT,
                                1,
                                500,
                                1),
                        new FaissVectorIndexes(
                                new ShardProperties(
                                        DataSize.ofKilobytes(1024),
                                        0,
                                        "IDMap,Flat",
                                        Metric.INNER_PRODUCT,
                                        1)));
        try (ShardWriter writer = writers.open(dimension)) {
            writer.append(vectors, ids());
            assertThat(writer.isTrained()).isTrue();
            return writer.trainedIndex().orElseThrow();
        }
    }

    private static long[] ids() {
        long[] ids = new long[VECTORS];
        for (int i = 0; i < VECTORS; i++) {
            ids[i] = 1_000L + i;
        }
        return ids;
    }

    private static void assertRanksLikeExactSearch(int dimension, byte[] trained) {
        float[] vectors = offCentre(VECTORS, dimension, 3);
        long[] ids = ids();
        float[] queries = offCentre(QUERIES, dimension, 4);
        try (FaissIndex index = FaissIndex.fromBytes(trained)) {
            index.addWithIds(vectors, ids);
            FaissIndex.SearchResult found = index.search(queries, 10);
            int hits = 0;
            for (int q = 0; q < QUERIES; q++) {
                java.util.Set<Long> expected = new java.util.HashSet<>();
                for (long id : exactTop10(dimension, vectors, ids, queries, q)) {
                    expected.add(id);
                }
                for (int r = 0; r < 10; r++) {
                    if (expected.contains(found.ids()[q * 10 + r])) {
                        hits++;
                    }
                }
            }
            // An exact rotation loses nothing; float against double sums may swap a 10th and
            // 11th neighbour that are nearly equal, a few of the 500 at most.
            assertThat(hits).isGreaterThanOrEqualTo(490);
        }
    }

    /** Exact top 10 by inner product, in double precision, without FAISS. */
    private static long[] exactTop10(
            int dimension, float[] vectors, long[] ids, float[] queries, int q) {
        Integer[] order = new Integer[ids.length];
        double[] scores = new double[ids.length];
        for (int i = 0; i < ids.length; i++) {
            double dot = 0;
            for (int j = 0; j < dimension; j++) {
                dot += (double) queries[q * dimension + j] * vectors[i * dimension + j];
            }
            scores[i] = dot;
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        long[] top = new long[10];
        for (int r = 0; r < 10; r++) {
            top[r] = ids[order[r]];
        }
        return top;
    }

    /** Vectors around a common mean far from the origin, with a spread in every dimension. */
    private static float[] offCentre(int count, int dimension, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[count * dimension];
        for (int row = 0; row < count; row++) {
            for (int j = 0; j < dimension; j++) {
                out[row * dimension + j] =
                        2.0f + 0.1f * j + (float) ((1 + j % 4) * 0.3 * random.nextGaussian());
            }
        }
        return out;
    }
}
