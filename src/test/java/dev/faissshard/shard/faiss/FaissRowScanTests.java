package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.shard.Metric;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The batched row scan of flat indexes ({@link FaissIndex#searchRows}) against a brute force in
 * double precision and against FAISS's own search: dimensions that are not multiples of the SIMD
 * width, batches that are not multiples of the kernel's tiles, ranges, and ranges shorter than k.
 */
class FaissRowScanTests {

    private static final int DIMENSION = 37;
    private static final int ROWS = 300;

    @ParameterizedTest
    @EnumSource(Metric.class)
    void scansRowRangesExactlyForEveryQueryOfABatch(Metric metric) {
        float[] vectors = FaissIndexTests.unitVectors(ROWS, DIMENSION, 5);
        long[] ids = new long[ROWS];
        for (int i = 0; i < ROWS; i++) {
            ids[i] = 7_000_000_000L + 13L * i;
        }
        float[] queries = FaissIndexTests.unitVectors(7, DIMENSION, 6);
        try (FaissIndex index = FaissIndex.create(DIMENSION, "IDMap,Flat", metric)) {
            index.addWithIds(vectors, ids);
            assertThat(index.scansRows()).isTrue();
            int[][] ranges = {{0, ROWS}, {13, 150}, {64, 200}, {298, 300}, {5, 5}};
            for (int[] range : ranges) {
                int k = 5;
                FaissIndex.SearchResult result = index.searchRows(queries, k, range[0], range[1]);
                for (int q = 0; q < 7; q++) {
                    Integer[] expected =
                            bruteForce(vectors, queries, q, range[0], range[1], metric);
                    for (int rank = 0; rank < k; rank++) {
                        if (rank < expected.length) {
                            int row = expected[rank];
                            assertThat(result.id(q, rank)).isEqualTo(ids[row]);
                            assertThat(result.distance(q, rank))
                                    .isCloseTo(
                                            (float) score(vectors, row, queries, q, metric),
                                            Offset.offset(1e-5f));
                        } else {
                            assertThat(result.id(q, rank)).isEqualTo(-1L);
                        }
                    }
                }
            }
            FaissIndex.SearchResult faiss = index.search(queries, 10);
            FaissIndex.SearchResult scanned = index.searchRows(queries, 10, 0, ROWS);
            assertThat(scanned.ids()).containsExactly(faiss.ids());
            for (int i = 0; i < faiss.distances().length; i++) {
                assertThat(scanned.distances()[i])
                        .isCloseTo(faiss.distances()[i], Offset.offset(1e-5f));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void findsEveryStoredVectorOfALargeBatchAsItsOwnNearest(Metric metric) {
        float[] vectors = FaissIndexTests.unitVectors(40, 16, 8);
        long[] ids = IntStream.range(0, 40).mapToLong(i -> 100L + i).toArray();
        try (FaissIndex index = FaissIndex.create(16, "IDMap,Flat", metric)) {
            index.addWithIds(vectors, ids);
            FaissIndex.SearchResult result = index.searchRows(vectors, 1, 0, 40);
            for (int q = 0; q < 40; q++) {
                assertThat(result.id(q, 0)).isEqualTo(ids[q]);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void leavesIndexesOtherThanFlatToFaiss(Metric metric) {
        try (FaissIndex index = FaissIndex.create(16, "IDMap,HNSW8", metric)) {
            index.addWithIds(
                    FaissIndexTests.unitVectors(20, 16, 9),
                    IntStream.range(0, 20).asLongStream().toArray());
            assertThat(index.scansRows()).isFalse();
            assertThatThrownBy(
                            () ->
                                    index.searchRows(
                                            FaissIndexTests.unitVectors(1, 16, 10), 3, 0, 20))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }

    @ParameterizedTest
    @EnumSource(Metric.class)
    void refusesRangesOutsideTheIndex(Metric metric) {
        try (FaissIndex index = FaissIndex.create(8, "IDMap,Flat", metric)) {
            index.addWithIds(FaissIndexTests.unitVectors(10, 8, 11), new long[10]);
            float[] query = FaissIndexTests.unitVectors(1, 8, 12);
            assertThatThrownBy(() -> index.searchRows(query, 3, 0, 11))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> index.searchRows(query, 3, 6, 5))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> index.searchRows(query, 0, 0, 10))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static Integer[] bruteForce(
            float[] vectors, float[] queries, int q, int from, int to, Metric metric) {
        Comparator<Integer> byScore =
                Comparator.comparingDouble(row -> score(vectors, row, queries, q, metric));
        return IntStream.range(from, to)
                .boxed()
                .sorted(metric == Metric.INNER_PRODUCT ? byScore.reversed() : byScore)
                .limit(5)
                .toArray(Integer[]::new);
    }

    private static double score(float[] vectors, int row, float[] queries, int q, Metric metric) {
        double sum = 0;
        for (int j = 0; j < DIMENSION; j++) {
            double x = vectors[row * DIMENSION + j];
            double y = queries[q * DIMENSION + j];
            sum += metric == Metric.INNER_PRODUCT ? x * y : (x - y) * (x - y);
        }
        return sum;
    }
}
