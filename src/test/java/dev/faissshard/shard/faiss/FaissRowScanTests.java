package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.faiss.FaissIndex.ScanKernel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The batched row scan of flat indexes ({@link FaissIndex#searchRows}) against a brute force in
 * double precision and against FAISS's own search: dimensions that are not multiples of the SIMD
 * width, batches that are not multiples of the kernel's tiles, ranges, and ranges shorter than k;
 * and every kernel this CPU runs (AVX-512, AVX2, portable) against FAISS, ties included.
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

    static Stream<Arguments> kernelsAndMetrics() {
        List<Arguments> cases = new ArrayList<>();
        for (ScanKernel kernel : ScanKernel.values()) {
            for (Metric metric : Metric.values()) {
                cases.add(Arguments.of(kernel, metric));
            }
        }
        return cases.stream();
    }

    /**
     * Each kernel against FAISS's own exhaustive search of the same index: dimensions below, at and
     * above the SIMD widths (1164 is the combined type's), batches of 1 to 9 queries (every tile
     * shape and remainder), 301 rows (blocks and row tiles with remainders), and exact ties: every
     * vector is stored three times, under ids rising with the row as FAISS breaks ties by row. The
     * ids must be FAISS's exactly, the scores within float rounding, and a range shorter than k
     * pads with -1.
     */
    @ParameterizedTest
    @MethodSource("kernelsAndMetrics")
    void everyKernelFindsWhatFaissFindsTiesIncluded(ScanKernel kernel, Metric metric) {
        if (!runsHere(kernel)) {
            return;
        }
        for (int dimension : new int[] {5, 16, 37, 1164}) {
            int distinct = dimension == 1164 ? 40 : 101;
            float[] once = FaissIndexTests.unitVectors(distinct, dimension, 20 + dimension);
            int rows = distinct * 3;
            float[] vectors = new float[rows * dimension];
            long[] ids = new long[rows];
            for (int row = 0; row < rows; row++) {
                System.arraycopy(
                        once, (row % distinct) * dimension, vectors, row * dimension, dimension);
                ids[row] = 1_000 + 3L * row;
            }
            try (FaissIndex index = FaissIndex.create(dimension, "IDMap,Flat", metric)) {
                index.addWithIds(vectors, ids);
                for (int batch = 1; batch <= 9; batch++) {
                    // Stored vectors as queries: each has a three-way tie for the best score.
                    float[] queries = new float[batch * dimension];
                    for (int q = 0; q < batch; q++) {
                        System.arraycopy(
                                once,
                                (q * 7 % distinct) * dimension,
                                queries,
                                q * dimension,
                                dimension);
                    }
                    int k = 8;
                    FaissIndex.SearchResult faiss = index.search(queries, k);
                    FaissIndex.SearchResult scanned = index.searchRows(queries, k, 0, rows, kernel);
                    // The same stored vector at every rank. Of tied copies FAISS 1.7.3 keeps the
                    // later rows for inner product and the earlier for L2; the scan keeps the
                    // smaller id for both (the next test), so copies are compared, not ids.
                    for (int i = 0; i < faiss.ids().length; i++) {
                        assertThat(copyOf(scanned.ids()[i], distinct))
                                .as("rank %d of d=%d, %d queries", i % k, dimension, batch)
                                .isEqualTo(copyOf(faiss.ids()[i], distinct));
                    }
                    if (metric == Metric.L2) {
                        assertThat(scanned.ids()).containsExactly(faiss.ids());
                    }
                    for (int i = 0; i < faiss.distances().length; i++) {
                        assertThat(scanned.distances()[i])
                                .isCloseTo(faiss.distances()[i], Offset.offset(1e-5f));
                    }
                    FaissIndex.SearchResult shortRange =
                            index.searchRows(queries, k, rows - 5, rows, kernel);
                    for (int q = 0; q < batch; q++) {
                        for (int rank = 5; rank < k; rank++) {
                            assertThat(shortRange.id(q, rank)).isEqualTo(-1L);
                        }
                        assertThat(shortRange.id(q, 4)).isNotEqualTo(-1L);
                    }
                }
            }
        }
    }

    /**
     * The scan breaks ties by the smaller id, whatever the rows' order (the service's merge does
     * the same across shards), with every kernel alike.
     */
    @ParameterizedTest
    @MethodSource("kernelsAndMetrics")
    void everyKernelBreaksTiesBySmallerId(ScanKernel kernel, Metric metric) {
        if (!runsHere(kernel)) {
            return;
        }
        int dimension = 37;
        float[] once = FaissIndexTests.unitVectors(50, dimension, 31);
        int rows = 150;
        float[] vectors = new float[rows * dimension];
        long[] ids = new long[rows];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(once, (row % 50) * dimension, vectors, row * dimension, dimension);
            // Falling with the row: copies stored later get smaller ids.
            ids[row] = 10_000L - row;
        }
        try (FaissIndex index = FaissIndex.create(dimension, "IDMap,Flat", metric)) {
            index.addWithIds(vectors, ids);
            float[] queries = new float[5 * dimension];
            for (int q = 0; q < 5; q++) {
                System.arraycopy(once, q * 9 * dimension, queries, q * dimension, dimension);
            }
            FaissIndex.SearchResult scanned = index.searchRows(queries, 3, 0, rows, kernel);
            for (int q = 0; q < 5; q++) {
                int copy = q * 9;
                assertThat(new long[] {scanned.id(q, 0), scanned.id(q, 1), scanned.id(q, 2)})
                        .containsExactly(
                                10_000L - (copy + 100), 10_000L - (copy + 50), 10_000L - copy);
            }
        }
    }

    @Test
    void bestKernelIsAlwaysThereAndPortableToo() {
        assertThat(ScanKernel.BEST.supported()).isTrue();
        assertThat(ScanKernel.PORTABLE.supported()).isTrue();
    }

    /** Which of the distinct vectors an id of the tie tests holds (ids are 1000 + 3 × row). */
    private static long copyOf(long id, int distinct) {
        return ((id - 1000) / 3) % distinct;
    }

    /**
     * Whether the CPU runs the kernel; when it does not, proves that a search asking for it is
     * refused rather than run with another kernel.
     */
    private static boolean runsHere(ScanKernel kernel) {
        if (kernel.supported()) {
            return true;
        }
        try (FaissIndex index = FaissIndex.create(8, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(FaissIndexTests.unitVectors(4, 8, 1), new long[4]);
            float[] query = FaissIndexTests.unitVectors(1, 8, 2);
            assertThatThrownBy(() -> index.searchRows(query, 1, 0, 4, kernel))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
        return false;
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
