package dev.faissshard.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.shard.faiss.FaissIndex;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The choice rules of {@code factory: auto}, each against figures worked out by hand. */
class AutoFactoryTests {

    /** The shipped {@code fsb.shard.max-bytes}, 45 MB. */
    private static final long SHARD = 45L * 1024 * 1024;

    @Test
    void exactVectorsWhenTheyFitTheBudget() {
        // 1,000 vectors x (4 x 712 + 8) = 2,856,000 bytes.
        AutoFactory.Choice choice =
                AutoFactory.choose(1_000, 712, 2_856_000, 0.999, 100_000, SHARD);

        assertThat(choice.factory()).isEqualTo("IDMap,Flat");
        assertThat(choice.reason()).contains("2856000 bytes <= budget 2856000");
    }

    @Test
    void pcaScalarCodesThatFillTheBudgetPerVectorWhenExactVectorsDoNot() {
        // 1M vectors of 712 dimensions in 1/20 of their flat 2.856 GB: 142,800,000 bytes.
        AutoFactory.Choice choice =
                AutoFactory.choose(1_000_000, 712, 142_800_000, 0.9, 200_000, SHARD);

        // 4 x sqrt(1e6) = 4,000 -> 4,096 lists (39 x 4,096 = 159,744 training vectors fit).
        // Trained parts per shard at k = 112 (the PCA's training matrix is not kept): PCA rows
        // 4 x 112 x 712 + mean and eigenvalues 8 x 712 + bias 4 x 112 = 324,992, ranges 8 x 112,
        // centroids 4 x 112 x 4,096, sizes 8 x 4,096: 2,193,792. A 45 MB shard (47,185,920)
        // holds (47,185,920 - 2,193,792) / 120 = 374,934 vectors: 3 shards, 1e6 x 120 + 3 x
        // 2,193,792 = 126,581,376 bytes.
        assertThat(choice.factory()).isEqualTo("PCAR112,IVF4096,SQ8");
        assertThat(AutoFactory.trainedBytes(712, 112, 4096)).isEqualTo(2_193_792L);
        assertThat(AutoFactory.shards(1_000_000, 712, 112, 4096, SHARD)).isEqualTo(3);
        assertThat(AutoFactory.bytes(1_000_000, 712, 112, 4096, SHARD)).isEqualTo(126_581_376L);
        // k = 128 would be 4 shards of 2,501,696, 1e6 x 136 + 4 x 2,501,696 = 146,006,784 bytes.
        assertThat(AutoFactory.bytes(1_000_000, 712, 128, 4096, SHARD)).isEqualTo(146_006_784L);
        assertThat(choice.nprobe()).isEqualTo(256);
        assertThat(choice.reason()).contains("112 PCA dimensions of 712").contains("4096 lists");
    }

    @Test
    void theShippedRulesChooseATwentiethOfExactVectorsForAMillionCombinedVectors() {
        // Shipped: 1,000,000 expected vectors, a 200MB (209,715,200-byte) budget, a floor of 0.9
        // and a training sample of 100,000; the models' combined vectors have 1,164 dimensions.
        ShardProperties shipped =
                new ShardProperties(DataSize.ofMegabytes(45), 0, "auto", Metric.INNER_PRODUCT, 1);

        AutoFactory.Choice choice = shipped.autoChoice(1164);

        // 100,000 / 39 = 2,564 -> 2,048 lists. Trained parts per shard at k = 176: PCA rows 4 x
        // 176 x 1,164 + mean and eigenvalues 8 x 1,164 + bias 4 x 176 = 829,440, ranges 1,408,
        // centroids 1,441,792, sizes 16,384: 2,289,056; (47,185,920 - 2,289,056) / 184 = 244,004
        // vectors per shard, 5 shards: 1e6 x 184 + 5 x 2,289,056 = 195,445,280 bytes. k = 192:
        // 5 shards of 2,494,816, 212,474,080 bytes, over the budget.
        assertThat(choice.factory()).isEqualTo("PCAR176,IVF2048,SQ8");
        assertThat(AutoFactory.trainedBytes(1164, 176, 2048)).isEqualTo(2_289_056L);
        assertThat(AutoFactory.bytes(1_000_000, 1164, 176, 2048, SHARD)).isEqualTo(195_445_280L);
        assertThat(AutoFactory.bytes(1_000_000, 1164, 192, 2048, SHARD)).isEqualTo(212_474_080L);
        // Exact: 1e6 x (4 x 1,164 + 8) = 4,664,000,000 bytes, 23.9 times as many.
        assertThat(4_664_000_000L / 195_445_280.0).isGreaterThan(23.8);
        assertThat(shipped.auto().recallFloor()).isEqualTo(0.9);
    }

    @Test
    void listsFollowFourTimesTheSquareRootWithinTheTrainingSample() {
        assertThat(AutoFactory.lists(1_000_000, 1_000_000)).isEqualTo(4096);
        assertThat(AutoFactory.lists(10_000_000, 10_000_000)).isEqualTo(16384);
        // 39 per centroid: 100,000 training vectors train at most 2,564 -> 2,048 lists.
        assertThat(AutoFactory.lists(10_000_000, 100_000)).isEqualTo(2048);
        assertThat(AutoFactory.lists(100, 100_000)).isEqualTo(2);
    }

    @Test
    void aFloorOnlyExactSearchGuaranteesFailsWhenExactVectorsDoNotFit() {
        assertThatThrownBy(
                        () ->
                                AutoFactory.choose(
                                        1_000_000, 712, 142_800_000, 0.995, 200_000, SHARD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs exact search")
                .hasMessageContaining("2856000000 bytes");
    }

    @Test
    void aBudgetUnderTheSmallestCodeFailsWithWhatItNeeds() {
        assertThatThrownBy(
                        () -> AutoFactory.choose(1_000_000, 712, 10_000_000, 0.5, 200_000, SHARD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("raise fsb.shard.auto.memory-budget");
    }

    @Test
    void theChosenFactoryIsOneFaissBuildsAndItsSizeIsWhatTheRuleCounted() {
        AutoFactory.Choice choice = AutoFactory.choose(50_000, 64, 2_000_000, 0.9, 10_000, SHARD);
        // 50,000 x 264 = 13.2 MB flat; 4 x sqrt(50,000) = 894 -> 1,024 lists, 39 x 1,024 > 10,000
        // -> 256 lists; k = 16: one shard, 50,000 x 24 + 4,096 + 512 + 64 + 128 + 16,384 + 2,048
        // = 1,223,232 bytes; k = 32: 50,000 x 40 alone is 2,000,000.
        assertThat(choice.factory()).isEqualTo("PCAR16,IVF256,SQ8");
        assertThat(AutoFactory.bytes(50_000, 64, 16, 256, SHARD)).isEqualTo(1_223_232L);
        try (FaissIndex index = FaissIndex.create(64, choice.factory(), Metric.INNER_PRODUCT)) {
            assertThat(index.isTrained()).isFalse();
            assertThat(index.bytesPerVector()).isEqualTo(16 + 8);
            assertThat(index.minTrainingVectors()).isEqualTo(39L * 256);
        }
    }
}
