package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.shard.Metric;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaissIndexTests {

    static float[] unitVectors(int count, int dimension, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[count * dimension];
        for (int row = 0; row < count; row++) {
            double norm = 0;
            for (int j = 0; j < dimension; j++) {
                float value = (float) random.nextGaussian();
                out[row * dimension + j] = value;
                norm += value * value;
            }
            for (int j = 0; j < dimension; j++) {
                out[row * dimension + j] /= (float) Math.sqrt(norm);
            }
        }
        return out;
    }

    @Test
    void findsEachVectorAsItsOwnNearestNeighbourById() {
        float[] vectors = unitVectors(100, 16, 1);
        long[] ids = new long[100];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1_000_000_000_000L + i * 3;
        }
        try (FaissIndex index = FaissIndex.create(16, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(vectors, ids);
            assertThat(index.count()).isEqualTo(100);
            assertThat(index.dimension()).isEqualTo(16);
            assertThat(index.metric()).isEqualTo(Metric.INNER_PRODUCT);
            FaissIndex.SearchResult result = index.search(vectors, 3);
            for (int q = 0; q < 100; q++) {
                assertThat(result.id(q, 0)).isEqualTo(ids[q]);
                assertThat(result.distance(q, 0))
                        .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void roundTripsThroughBytesAndFiles(@TempDir Path dir) {
        float[] vectors = unitVectors(50, 8, 2);
        long[] ids = new long[50];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i * 11L;
        }
        try (FaissIndex index = FaissIndex.create(8, "IDMap,Flat", Metric.L2)) {
            index.addWithIds(vectors, ids);
            byte[] bytes = index.toBytes();
            Path file = dir.resolve("x.faiss");
            index.write(file);
            try (FaissIndex fromBytes = FaissIndex.fromBytes(bytes);
                    FaissIndex fromFile = FaissIndex.read(file)) {
                assertThat(fromBytes.count()).isEqualTo(50);
                assertThat(fromBytes.metric()).isEqualTo(Metric.L2);
                assertThat(fromFile.toBytes()).isEqualTo(bytes);
                assertThat(fromBytes.search(vectors, 1).ids())
                        .isEqualTo(index.search(vectors, 1).ids());
            }
        }
    }

    @Test
    void reservedRoomChangesNeitherContentNorSerializedBytes() {
        float[] vectors = unitVectors(300, 12, 3);
        long[] ids = new long[300];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 7L * i;
        }
        try (FaissIndex plain = FaissIndex.create(12, "IDMap,Flat", Metric.INNER_PRODUCT);
                FaissIndex reserved = FaissIndex.create(12, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            assertThat(reserved.reserve(1000)).isTrue();
            for (int batch = 0; batch < 3; batch++) {
                float[] rows =
                        java.util.Arrays.copyOfRange(
                                vectors, batch * 100 * 12, (batch + 1) * 100 * 12);
                long[] rowIds = java.util.Arrays.copyOfRange(ids, batch * 100, (batch + 1) * 100);
                plain.addWithIds(rows, rowIds);
                reserved.addWithIds(rows, rowIds);
            }
            assertThat(reserved.count()).isEqualTo(300);
            assertThat(reserved.toBytes()).isEqualTo(plain.toBytes());
        }
    }

    @Test
    void serializesShardsLargerThanOneWindowByteForByteLikeFaissWritesFiles(@TempDir Path dir)
            throws Exception {
        int count = 3000;
        int dimension = 512;
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = 31L * i + 5;
        }
        try (FaissIndex index = FaissIndex.create(dimension, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(unitVectors(count, dimension, 5), ids);
            Path file = dir.resolve("big.faiss");
            index.write(file);
            byte[] bytes = index.toBytes();
            assertThat(bytes.length).as("more than one 4 MiB window").isGreaterThan(4 << 20);
            assertThat(bytes).isEqualTo(java.nio.file.Files.readAllBytes(file));
        }
    }

    @Test
    void reserveIsDeclinedByIndexesThatDoNotKeepFlatCodes() {
        try (FaissIndex graph = FaissIndex.create(8, "IDMap,HNSW16", Metric.L2);
                FaissIndex bare = FaissIndex.create(8, "Flat", Metric.L2)) {
            assertThat(graph.reserve(100)).isFalse();
            assertThat(bare.reserve(100)).isFalse();
            graph.addWithIds(unitVectors(10, 8, 4), new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            assertThat(graph.count()).isEqualTo(10);
        }
    }

    @Test
    void exportsVectorsAndIdsOfAnIdMap() {
        float[] vectors = unitVectors(20, 4, 3);
        long[] ids = new long[20];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 100 - i;
        }
        try (FaissIndex index = FaissIndex.create(4, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(vectors, ids);
            FaissIndex.ExportedVectors exported = index.export();
            assertThat(exported.ids()).isEqualTo(ids);
            assertThat(exported.vectors()).isEqualTo(vectors);
        }
    }

    @Test
    void reportsFaissErrorsAsExceptionsWithItsMessage() {
        assertThatThrownBy(() -> FaissIndex.create(8, "NoSuchIndexType", Metric.L2))
                .isInstanceOf(RuntimeException.class)
                .hasMessageContaining("NoSuchIndexType");
        try (FaissIndex flat = FaissIndex.create(4, "Flat", Metric.L2)) {
            assertThatThrownBy(() -> flat.addWithIds(new float[4], new long[] {1}))
                    .isInstanceOf(RuntimeException.class)
                    .hasMessageContaining("add_with_ids");
        }
    }

    @Test
    void refusesUseAfterCloseInsteadOfCrashing() {
        FaissIndex index = FaissIndex.create(4, "IDMap,Flat", Metric.L2);
        index.close();
        index.close();
        assertThatThrownBy(index::count).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsMismatchedShapes() {
        try (FaissIndex index = FaissIndex.create(4, "IDMap,Flat", Metric.L2)) {
            assertThatThrownBy(() -> index.addWithIds(new float[5], new long[] {1}))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> index.addWithIds(new float[8], new long[] {1}))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void removeIdsDropsOnlyThoseIdsAndKeepsTheRestsOrderAndVectors() {
        SplittableRandom random = new SplittableRandom(3);
        float[] vectors = new float[6 * 4];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) random.nextGaussian();
        }
        try (FaissIndex index = FaissIndex.create(4, "IDMap,Flat", Metric.L2)) {
            index.addWithIds(vectors, new long[] {10, 11, 12, 13, 14, 15});
            assertThat(index.removeIds(new long[] {11, 14, 99})).isEqualTo(2);
            assertThat(index.export().ids()).containsExactly(10, 12, 13, 15);
            assertThat(index.reconstruct(13))
                    .containsExactly(java.util.Arrays.copyOfRange(vectors, 3 * 4, 4 * 4));
            assertThat(index.mergesCodes()).as("an IDMap merges no codes").isFalse();
        }
    }

    @Test
    void trainedIvfIndexesMergeCodesAndRemoveIds() {
        SplittableRandom random = new SplittableRandom(5);
        float[] vectors = new float[400 * 8];
        for (int i = 0; i < vectors.length; i++) {
            vectors[i] = (float) random.nextGaussian();
        }
        long[] ids = new long[400];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + i;
        }
        try (FaissIndex trained = FaissIndex.create(8, "IVF4,SQ8", Metric.L2)) {
            trained.train(vectors);
            byte[] empty = trained.toBytes();
            try (FaissIndex a = FaissIndex.fromBytes(empty);
                    FaissIndex b = FaissIndex.fromBytes(empty)) {
                assertThat(a.mergesCodes()).isTrue();
                a.addWithIds(
                        java.util.Arrays.copyOfRange(vectors, 0, 200 * 8),
                        java.util.Arrays.copyOfRange(ids, 0, 200));
                b.addWithIds(
                        java.util.Arrays.copyOfRange(vectors, 200 * 8, 400 * 8),
                        java.util.Arrays.copyOfRange(ids, 200, 400));
                assertThat(b.removeIds(new long[] {1200, 1399})).isEqualTo(2);
                a.mergeFrom(b);
                assertThat(a.count()).isEqualTo(398);
                assertThat(b.count()).isZero();
                assertThat(a.ids()).doesNotContain(1200L, 1399L).contains(1000L, 1201L, 1398L);
            }
        }
        try (FaissIndex hnsw = FaissIndex.create(8, "IDMap,HNSW8", Metric.L2)) {
            assertThat(hnsw.mergesCodes()).isFalse();
            hnsw.addWithIds(java.util.Arrays.copyOf(vectors, 8), new long[] {1});
            assertThatThrownBy(() -> hnsw.removeIds(new long[] {1}))
                    .isInstanceOf(UnsupportedOperationException.class);
        }
    }
}
