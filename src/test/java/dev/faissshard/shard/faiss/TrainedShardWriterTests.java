package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.RecallSample;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardSizeModel;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.TrainingSampleTooSmallException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * Trained factories through the real FAISS binding: the open shard buffers until the training
 * sample, trains once and deterministically, seals byte-bounded shards that all start from the one
 * trained index, and a resumed writer given that index makes the same shards.
 */
class TrainedShardWriterTests {

    static final int DIMENSION = 16;

    /** 8 lists (312 points) and 4-bit PQ codes (16 per sub-quantizer: 624 points). */
    static final String FACTORY = "IVF8,PQ4x4";

    static final FaissVectorIndexes INDEXES =
            new FaissVectorIndexes(
                    new ShardProperties(DataSize.ofKilobytes(64), 0, "IDMap,Flat", Metric.L2, 1));

    static ShardWriterFactory factory(String factory, long maxBytes, long maxVectors, long sample) {
        return new ShardWriterFactory(
                new ShardProperties(
                        DataSize.ofBytes(maxBytes), maxVectors, factory, Metric.L2, 1, sample, 8),
                INDEXES);
    }

    /** Clustered vectors: what k-means has something to find in. */
    static float[] clustered(int count, int dimension, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] centres = new float[20][dimension];
        SplittableRandom fixed = new SplittableRandom(99);
        for (float[] centre : centres) {
            for (int j = 0; j < dimension; j++) {
                centre[j] = (float) fixed.nextGaussian();
            }
        }
        float[] out = new float[count * dimension];
        for (int row = 0; row < count; row++) {
            float[] centre = centres[random.nextInt(centres.length)];
            for (int j = 0; j < dimension; j++) {
                out[row * dimension + j] = centre[j] + 0.3f * (float) random.nextGaussian();
            }
        }
        return out;
    }

    static long[] ids(int from, int count) {
        long[] ids = new long[count];
        for (int i = 0; i < count; i++) {
            ids[i] = 1_000_000_007L * (from + i + 1);
        }
        return ids;
    }

    static float[] rows(float[] vectors, int from, int count) {
        return Arrays.copyOfRange(vectors, from * DIMENSION, (from + count) * DIMENSION);
    }

    @Test
    void buffersFlatUntilTheSampleThenTrainsOnceAndKeepsOnlyTheBatchAsASegment() {
        float[] vectors = clustered(1500, DIMENSION, 1);
        try (ShardWriter writer = factory(FACTORY, 64 * 1024, 0, 1000).open(DIMENSION)) {
            assertThat(writer.isTrained()).isFalse();
            for (int batch = 0; batch < 3; batch++) {
                ShardWriter.Appended appended =
                        writer.append(rows(vectors, batch * 300, 300), ids(batch * 300, 300));
                assertThat(appended.trained()).isEmpty();
                assertThat(appended.sealed()).isEmpty();
                assertThat(appended.segment().orElseThrow().ids()).hasSize(300);
            }
            ShardWriter.Appended training = writer.append(rows(vectors, 900, 300), ids(900, 300));
            assertThat(training.trained()).isPresent();
            assertThat(training.trained().get().sampleVectors()).isEqualTo(1000);
            assertThat(training.segment().orElseThrow().ids()).containsExactly(ids(900, 300));
            assertThat(writer.isTrained()).isTrue();
            assertThat(writer.openVectors()).isEqualTo(1200);
            ShardWriter.Appended after = writer.append(rows(vectors, 1200, 300), ids(1200, 300));
            assertThat(after.trained()).isEmpty();
            ShardWriter.Finished finished = writer.finish();
            assertThat(finished.trained()).isEmpty();
            assertThat(finished.sealed()).hasSize(1);
            assertThat(finished.sealed().get(0).ids()).containsExactly(ids(0, 1500));
            try (FaissIndex shard = FaissIndex.fromBytes(finished.sealed().get(0).data())) {
                assertThat(shard.count()).isEqualTo(1500);
                assertThat(shard.isTrained()).isTrue();
            }
        }
    }

    @Test
    void theSameCatalogueGivesTheSameTrainedBytesAndShards() {
        float[] vectors = clustered(1400, DIMENSION, 2);
        List<byte[]> first = build(vectors, 200);
        List<byte[]> second = build(vectors, 350);
        assertThat(first).hasSameSizeAs(second);
        for (int i = 0; i < first.size(); i++) {
            assertThat(first.get(i)).as("object %d", i).isEqualTo(second.get(i));
        }
    }

    /** Trained bytes, then every sealed shard, with batches of {@code batch} rows. */
    private static List<byte[]> build(float[] vectors, int batch) {
        List<byte[]> out = new ArrayList<>();
        int count = vectors.length / DIMENSION;
        try (ShardWriter writer = factory(FACTORY, 64 * 1024, 400, 1000).open(DIMENSION)) {
            for (int from = 0; from < count; from += batch) {
                int n = Math.min(batch, count - from);
                ShardWriter.Appended appended = writer.append(rows(vectors, from, n), ids(from, n));
                appended.trained().ifPresent(trained -> out.add(0, trained.data()));
                appended.sealed().forEach(shard -> out.add(shard.data()));
            }
            writer.finish().sealed().forEach(shard -> out.add(shard.data()));
        }
        return out;
    }

    @Test
    void aBufferLargerThanAShardSealsAtTrainingAndFlushesTheRestWithEarlierRows() {
        float[] vectors = clustered(1200, DIMENSION, 3);
        try (ShardWriter writer = factory(FACTORY, 64 * 1024, 450, 1000).open(DIMENSION)) {
            writer.append(rows(vectors, 0, 600), ids(0, 600));
            ShardWriter.Appended training = writer.append(rows(vectors, 600, 600), ids(600, 600));
            assertThat(training.sealed()).hasSize(2);
            assertThat(training.sealed().get(0).ids()).containsExactly(ids(0, 450));
            assertThat(training.sealed().get(1).ids()).containsExactly(ids(450, 450));
            // Both earlier segments are obsolete once a shard is sealed: the rest, some of it from
            // the first batch, is this batch's segment.
            assertThat(training.segment().orElseThrow().ids()).containsExactly(ids(900, 300));
            assertThat(writer.openVectors()).isEqualTo(300);
        }
    }

    @Test
    void aCatalogueEndingBeforeTheSampleTrainsOnWhatThereIsWhenGuidanceAllows() {
        float[] vectors = clustered(700, DIMENSION, 4);
        try (ShardWriter writer = factory(FACTORY, 64 * 1024, 0, 1000).open(DIMENSION)) {
            writer.append(vectors, ids(0, 700));
            ShardWriter.Finished finished = writer.finish();
            assertThat(finished.trained().orElseThrow().sampleVectors()).isEqualTo(700);
            assertThat(finished.sealed()).hasSize(1);
            assertThat(finished.sealed().get(0).vectors()).isEqualTo(700);
        }
    }

    @Test
    void tooFewVectorsForTheGuidanceFailWithATypedError() {
        float[] vectors = clustered(500, DIMENSION, 5);
        try (ShardWriter writer = factory(FACTORY, 64 * 1024, 0, 1000).open(DIMENSION)) {
            writer.append(vectors, ids(0, 500));
            assertThatThrownBy(writer::finish)
                    .isInstanceOfSatisfying(
                            TrainingSampleTooSmallException.class,
                            ex -> {
                                assertThat(ex.vectors()).isEqualTo(500);
                                assertThat(ex.required()).isEqualTo(624);
                            });
        }
    }

    @Test
    void aTrainingSampleUnderTheGuidanceIsRefusedUpFront() {
        assertThatThrownBy(() -> factory("IVF64,PQ4x4", 64 * 1024, 0, 1000).sizeModel(DIMENSION))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("2496")
                .hasMessageContaining("fsb.shard.training-sample");
    }

    @Test
    void aResumedWriterGivenTheRecordedTrainingMakesTheSameShards() {
        float[] vectors = clustered(1600, DIMENSION, 6);
        byte[] trained;
        List<ShardWriter.Flushed> segments = new ArrayList<>();
        byte[] expected;
        ShardWriterFactory writers = factory(FACTORY, 64 * 1024, 0, 1000);
        try (ShardWriter writer = writers.open(DIMENSION)) {
            trained =
                    writer.append(rows(vectors, 0, 1000), ids(0, 1000))
                            .trained()
                            .orElseThrow()
                            .data();
            segments.add(
                    writer.append(rows(vectors, 1000, 300), ids(1000, 300))
                            .segment()
                            .orElseThrow());
            writer.append(rows(vectors, 1300, 300), ids(1300, 300));
            expected = writer.finish().sealed().get(0).data();
        }
        try (ShardWriter resumed = writers.open(DIMENSION, trained)) {
            assertThat(resumed.isTrained()).isTrue();
            // The segments of the killed run, as the stored index restores them.
            try (FaissIndex first = FaissIndex.create(DIMENSION, "IDMap,Flat", Metric.L2)) {
                first.addWithIds(rows(vectors, 0, 1000), ids(0, 1000));
                resumed.restore(first.export());
            }
            try (FaissIndex second = FaissIndex.fromBytes(segments.get(0).data())) {
                resumed.restore(second.export());
            }
            ShardWriter.Appended appended =
                    resumed.append(rows(vectors, 1300, 300), ids(1300, 300));
            assertThat(appended.trained()).isEmpty();
            assertThat(resumed.finish().sealed().get(0).data()).isEqualTo(expected);
        }
    }

    @Test
    void everyShardStaysUnderTheByteLimitAndShardsOfOneTrainingMerge() {
        int count = 9000;
        float[] vectors = clustered(count, DIMENSION, 7);
        long maxBytes = 64 * 1024;
        List<ShardWriter.Sealed> shards = new ArrayList<>();
        long capacity;
        try (ShardWriter writer = factory(FACTORY, maxBytes, 0, 1000).open(DIMENSION)) {
            for (int from = 0; from < count; from += 500) {
                shards.addAll(writer.append(rows(vectors, from, 500), ids(from, 500)).sealed());
            }
            capacity = writer.capacity();
            shards.addAll(writer.finish().sealed());
        }
        // 2 bytes of code and 8 of id per vector: thousands of vectors in 64 KB.
        assertThat(capacity).isGreaterThan(4000);
        assertThat(shards).hasSize((int) Math.ceil((double) count / capacity));
        for (ShardWriter.Sealed shard : shards) {
            assertThat(shard.data().length).isLessThanOrEqualTo((int) maxBytes);
        }
        // The full shard is close to the limit: the model is exact up to the list sizes.
        assertThat(shards.get(0).data().length).isGreaterThan((int) (maxBytes * 0.9));
        try (FaissIndex merged = FaissIndex.fromBytes(shards.get(0).data());
                FaissIndex other = FaissIndex.fromBytes(shards.get(1).data())) {
            merged.mergeFrom(other);
            assertThat(merged.count()).isEqualTo(count);
            assertThat(merged.setSearchParameter("nprobe", 8)).isTrue();
            // With every list probed, each vector's nearest code is close to it.
            FaissIndex.SearchResult result = merged.search(rows(vectors, 8000, 1), 10);
            assertThat(Arrays.stream(result.ids()).boxed().toList()).contains(ids(8000, 1)[0]);
        }
    }

    @Test
    void theSizeModelOfATrainedIndexBoundsItsBytesExactlyPerVector() {
        float[] vectors = clustered(3000, DIMENSION, 8);
        try (FaissIndex trained = FaissIndex.create(DIMENSION, FACTORY, Metric.L2)) {
            trained.train(rows(vectors, 0, 1000));
            ShardSizeModel model = ShardSizeModel.ofTrained(INDEXES, trained);
            assertThat(model.bytesPerVector()).isEqualTo(2 + 8);
            try (FaissIndex filled = FaissIndex.fromBytes(trained.toBytes())) {
                filled.addWithIds(vectors, ids(0, 3000));
                long actual = filled.toBytes().length;
                assertThat(model.estimate(3000)).isGreaterThanOrEqualTo(actual);
                assertThat(model.estimate(3000) - actual).isLessThanOrEqualTo(8 * 8);
            }
        }
        try (FaissIndex flat = FaissIndex.create(DIMENSION, "IDMap,Flat", Metric.L2)) {
            ShardSizeModel model =
                    ShardSizeModel.calibrate(INDEXES, "IDMap,Flat", DIMENSION, Metric.L2);
            flat.addWithIds(vectors, ids(0, 3000));
            assertThat(model.estimate(3000)).isEqualTo(flat.toBytes().length);
        }
    }

    @Test
    void recallIsOneWhenEveryListIsProbedOverExactCodesAndLowerOverCompressedOnes() {
        float[] vectors = clustered(8000, DIMENSION, 9);
        RecallSample sample = new RecallSample(DIMENSION);
        sample.offer(vectors, ids(0, 8000));
        assertThat(sample.size()).isBetween(1500, 2500);
        try (FaissIndex exactLists = FaissIndex.create(DIMENSION, "IVF8,Flat", Metric.L2);
                FaissIndex compressed = FaissIndex.create(DIMENSION, FACTORY, Metric.L2)) {
            exactLists.train(rows(vectors, 0, 1000));
            compressed.train(rows(vectors, 0, 1000));
            RecallSample.Measured all = sample.measure(INDEXES, exactLists.toBytes(), Metric.L2, 8);
            assertThat(all.recallAt10()).isEqualTo(1.0);
            assertThat(all.nprobe()).isEqualTo(8);
            RecallSample.Measured one = sample.measure(INDEXES, exactLists.toBytes(), Metric.L2, 1);
            assertThat(one.recallAt10()).isLessThan(1.0);
            RecallSample.Measured coded =
                    sample.measure(INDEXES, compressed.toBytes(), Metric.L2, 8);
            assertThat(coded.recallAt10()).isGreaterThan(0.1).isLessThan(1.0);
            assertThat(coded.queries()).isEqualTo(200);
        }
    }

    @Test
    void factoriesThatCannotStoreIdsAreRefusedWithTheIdMapHint() {
        assertThatThrownBy(() -> ShardSizeModel.calibrate(INDEXES, "PQ4x4", DIMENSION, Metric.L2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("IDMap,PQ4x4");
        ShardSizeModel wrapped =
                ShardSizeModel.calibrate(INDEXES, "IDMap,PQ4x4", DIMENSION, Metric.L2);
        assertThat(wrapped.bytesPerVector()).isEqualTo(2 + 8);
    }
}
