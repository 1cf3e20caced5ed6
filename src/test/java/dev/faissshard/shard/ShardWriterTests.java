package dev.faissshard.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The shard writer against a real in-memory vector index: sealing, segments and capacity. */
class ShardWriterTests {

    private static final int DIMENSION = 3;

    private final InMemoryVectorIndexes indexes = new InMemoryVectorIndexes();

    @Test
    void rowsBelowCapacityStayOpenAndComeBackAsOneSegment() {
        try (ShardWriter writer = writer(5)) {
            ShardWriter.Appended appended = writer.append(vectors(1, 3), ids(1, 3));
            assertThat(appended.sealed()).isEmpty();
            assertThat(appended.adds())
                    .singleElement()
                    .satisfies(add -> assertThat(add.vectors()).isEqualTo(3));
            ShardWriter.Flushed segment = appended.segment().orElseThrow();
            assertThat(segment.ids()).containsExactly(1, 2, 3);
            assertThat(contents(segment.data())).isEqualTo(new Contents(ids(1, 3), vectors(1, 3)));
            assertThat(writer.openVectors()).isEqualTo(3);
        }
    }

    @Test
    void rowsPastCapacitySealFullShardsInOrderAndOnlyTheRestIsASegment() {
        try (ShardWriter writer = writer(5)) {
            writer.restore(exported(101, 103));
            ShardWriter.Appended appended = writer.append(vectors(1, 12), ids(1, 12));
            // 3 restored + 2 new fill the first shard, the next 5 the second, the last 5 stay open.
            assertThat(appended.sealed()).hasSize(2);
            ShardWriter.Sealed first = appended.sealed().get(0);
            assertThat(first.ids()).containsExactly(101, 102, 103, 1, 2);
            assertThat(contents(first.data()).ids()).containsExactly(101, 102, 103, 1, 2);
            assertThat(contents(first.data()).vectors())
                    .startsWith(vectors(101, 103))
                    .endsWith(vectors(1, 2));
            ShardWriter.Sealed second = appended.sealed().get(1);
            assertThat(contents(second.data())).isEqualTo(new Contents(ids(3, 7), vectors(3, 7)));
            ShardWriter.Flushed segment = appended.segment().orElseThrow();
            assertThat(contents(segment.data()))
                    .isEqualTo(new Contents(ids(8, 12), vectors(8, 12)));
            assertThat(writer.openVectors()).isEqualTo(5);
        }
    }

    @Test
    void aBatchThatEndsExactlyAtASealLeavesNoSegment() {
        try (ShardWriter writer = writer(4)) {
            writer.append(vectors(1, 4), ids(1, 4));
            ShardWriter.Appended appended = writer.append(vectors(5, 5), ids(5, 5));
            assertThat(appended.sealed())
                    .singleElement()
                    .satisfies(shard -> assertThat(shard.ids()).containsExactly(1, 2, 3, 4));
            assertThat(appended.segment().orElseThrow().ids()).containsExactly(5);
            assertThat(writer.sealOpenShard().orElseThrow().ids()).containsExactly(5);
            assertThat(writer.sealOpenShard()).isEmpty();
            assertThat(writer.append(new float[0], new long[0]))
                    .satisfies(
                            empty -> {
                                assertThat(empty.sealed()).isEmpty();
                                assertThat(empty.segment()).isEmpty();
                            });
        }
    }

    @Test
    void capacityFollowsTheByteLimitThroughTheCalibratedSizeModel() {
        int dimension = 1000;
        ShardProperties properties =
                new ShardProperties(DataSize.ofKilobytes(64), 0, "IDMap,Flat", Metric.L2, 1);
        // This index's format: a 28-byte header ("IDMap,Flat" and "L2" as modified UTF-8), 8 + 4 *
        // d per vector.
        long expected = (64 * 1024 - 28) / (8 + 4L * dimension);
        try (ShardWriter writer = new ShardWriterFactory(properties, indexes).open(dimension)) {
            assertThat(writer.capacity()).isEqualTo(expected);
            float[] rows = new float[(int) (expected + 1) * dimension];
            ShardWriter.Appended appended =
                    writer.append(rows, LongStream.rangeClosed(1, expected + 1).toArray());
            assertThat(appended.sealed())
                    .singleElement()
                    .satisfies(
                            shard -> {
                                assertThat(shard.vectors()).isEqualTo(expected);
                                assertThat(shard.data().length).isLessThanOrEqualTo(64 * 1024);
                            });
        }
    }

    @Test
    void everyIndexItMadeIsClosedBySealOrClose() {
        ShardWriter writer = writer(2);
        writer.append(vectors(1, 7), ids(1, 7));
        writer.sealOpenShard();
        writer.close();
        assertThat(indexes.openIndexes()).isZero();
    }

    @Test
    void refusesVectorsThatDoNotMatchTheIds() {
        try (ShardWriter writer = writer(5)) {
            assertThatThrownBy(() -> writer.append(new float[DIMENSION * 2], new long[3]))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    private ShardWriter writer(long maxVectors) {
        ShardProperties properties =
                new ShardProperties(
                        DataSize.ofMegabytes(1), maxVectors, "IDMap,Flat", Metric.INNER_PRODUCT, 1);
        return new ShardWriterFactory(properties, indexes).open(DIMENSION);
    }

    private Contents contents(byte[] data) {
        try (VectorIndex index = indexes.fromBytes(data)) {
            VectorIndex.Exported exported = index.export();
            return new Contents(exported.ids(), exported.vectors());
        }
    }

    private VectorIndex.Exported exported(long from, long to) {
        try (VectorIndex index = indexes.create(DIMENSION, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(vectors(from, to), ids(from, to));
            return index.export();
        }
    }

    /** Row i of id n is {n, n + 0.25, n + 0.5}: every vector tells which id it belongs to. */
    private static float[] vectors(long from, long to) {
        float[] out = new float[(int) (to - from + 1) * DIMENSION];
        for (long id = from; id <= to; id++) {
            for (int j = 0; j < DIMENSION; j++) {
                out[(int) (id - from) * DIMENSION + j] = id + j * 0.25f;
            }
        }
        return out;
    }

    private static long[] ids(long from, long to) {
        return LongStream.rangeClosed(from, to).toArray();
    }

    private record Contents(long[] ids, float[] vectors) {

        @Override
        public boolean equals(Object other) {
            return other instanceof Contents that
                    && java.util.Arrays.equals(ids, that.ids)
                    && java.util.Arrays.equals(vectors, that.vectors);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(ids);
        }

        @Override
        public String toString() {
            return "ids "
                    + java.util.Arrays.toString(ids)
                    + " vectors "
                    + List.of(java.util.Arrays.toString(vectors));
        }
    }
}
