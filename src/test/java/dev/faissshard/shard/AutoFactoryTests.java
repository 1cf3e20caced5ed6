package dev.faissshard.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.shard.faiss.FaissIndex;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** The choice rules of {@code factory: auto}, each against figures worked out by hand. */
class AutoFactoryTests {

    @Test
    void exactVectorsWhenTheyFitTheBudget() {
        // 1,000 vectors x (4 x 712 + 8) = 2,856,000 bytes.
        AutoFactory.Choice choice = AutoFactory.choose(1_000, 712, 2_856_000, 0.999, 100_000);

        assertThat(choice.factory()).isEqualTo("IDMap,Flat");
        assertThat(choice.reason()).contains("2856000 bytes <= budget 2856000");
    }

    @Test
    void pcaScalarCodesThatFillTheBudgetPerVectorWhenExactVectorsDoNot() {
        // 1M vectors of 712 dimensions in 1/20 of their flat 2.856 GB: 142,800,000 bytes.
        AutoFactory.Choice choice = AutoFactory.choose(1_000_000, 712, 142_800_000, 0.9, 200_000);

        // 4 x sqrt(1e6) = 4,000 -> 4,096 lists (39 x 4,096 = 159,744 training vectors fit).
        // k = 128: 1e6 x 136 + 4 x 712^2 + 4 x 712 + 4 x 128 x 4,096 + 8 x 4,096 = 140,160,544
        // bytes; k = 144 would need 1e6 x 152 = 152,000,000 bytes of codes alone.
        assertThat(choice.factory()).isEqualTo("PCAR128,IVF4096,SQ8");
        assertThat(AutoFactory.bytes(1_000_000, 712, 128, 4096)).isEqualTo(140_160_544L);
        assertThat(choice.nprobe()).isEqualTo(256);
        assertThat(choice.reason()).contains("128 PCA dimensions of 712").contains("4096 lists");
    }

    @Test
    void theShippedRulesChooseATwentiethOfExactVectorsForAMillionCombinedVectors() {
        // Shipped: 1,000,000 expected vectors, a 200MB (209,715,200-byte) budget, a floor of 0.9
        // and a training sample of 100,000; the models' combined vectors have 1,164 dimensions.
        ShardProperties shipped =
                new ShardProperties(DataSize.ofMegabytes(45), 0, "auto", Metric.INNER_PRODUCT, 1);

        AutoFactory.Choice choice = shipped.autoChoice(1164);

        // 100,000 / 39 = 2,564 -> 2,048 lists. k = 192: 1e6 x 200 + 4 x 1,164^2 + 4 x 1,164
        // + 4 x 192 x 2,048 + 8 x 2,048 = 207,013,488 bytes; k = 208 needs 216,000,000 of codes.
        assertThat(choice.factory()).isEqualTo("PCAR192,IVF2048,SQ8");
        assertThat(AutoFactory.bytes(1_000_000, 1164, 192, 2048)).isEqualTo(207_013_488L);
        // Exact: 1e6 x (4 x 1,164 + 8) = 4,664,000,000 bytes, 22.5 times as many.
        assertThat(4_664_000_000L / 207_013_488.0).isGreaterThan(20);
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
        assertThatThrownBy(() -> AutoFactory.choose(1_000_000, 712, 142_800_000, 0.995, 200_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs exact search")
                .hasMessageContaining("2856000000 bytes");
    }

    @Test
    void aBudgetUnderTheSmallestCodeFailsWithWhatItNeeds() {
        assertThatThrownBy(() -> AutoFactory.choose(1_000_000, 712, 10_000_000, 0.5, 200_000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("raise fsb.shard.auto.memory-budget");
    }

    @Test
    void theChosenFactoryIsOneFaissBuildsAndItsSizeIsWhatTheRuleCounted() {
        AutoFactory.Choice choice = AutoFactory.choose(50_000, 64, 2_000_000, 0.9, 10_000);
        // 50,000 x 264 = 13.2 MB flat; 4 x sqrt(50,000) = 894 -> 1,024 lists, 39 x 1,024 > 10,000
        // -> 256 lists; k = 16: 50,000 x 24 + 16,384 + 256 + 16,384 + 2,048 = 1,235,072 bytes.
        assertThat(choice.factory()).isEqualTo("PCAR16,IVF256,SQ8");
        try (FaissIndex index = FaissIndex.create(64, choice.factory(), Metric.INNER_PRODUCT)) {
            assertThat(index.isTrained()).isFalse();
            assertThat(index.bytesPerVector()).isEqualTo(16 + 8);
            assertThat(index.minTrainingVectors()).isEqualTo(39L * 256);
        }
    }
}
