package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexLayout;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PartitionTests {

    @Test
    void everyIdBelongsToExactlyOnePartitionAndSharesAreEven() {
        int count = 8;
        int[] sizes = new int[count];
        // Sequential integers with a stride and UUIDs: both must spread evenly.
        for (int i = 0; i < 40_000; i++) {
            String id =
                    i % 2 == 0
                            ? String.valueOf(i * 16L)
                            : UUID.nameUUIDFromBytes(("p" + i).getBytes()).toString();
            int owners = 0;
            for (int index = 0; index < count; index++) {
                if (new Partition(index, count).contains(id)) {
                    owners++;
                    sizes[index]++;
                }
            }
            assertThat(owners).as("owners of %s", id).isEqualTo(1);
        }
        for (int size : sizes) {
            assertThat(size).isBetween(5000 - 300, 5000 + 300);
        }
    }

    @Test
    void wholeBuildKeepsItsPrefixAndPartsGetTheirOwn() {
        assertThat(Partition.WHOLE.contains("anything")).isTrue();
        assertThat(Partition.WHOLE.prefixWithin("shop")).isEqualTo("shop");
        assertThat(new Partition(2, 5).prefixWithin("")).isEqualTo("part-2-of-5");
        assertThat(new Partition(2, 5).prefixWithin("shop/")).isEqualTo("shop/part-2-of-5");
        assertThat(new Partition(2, 5).prefixWithin("shop///")).isEqualTo("shop/part-2-of-5");
    }

    @Test
    void aPartitionsLayoutIsItsOwnIndexInsideTheJobsPrefix() {
        String longest = "a".repeat(255) + "/" + "b".repeat(255) + "/";
        IndexLayout layout = IndexLayout.at(new Partition(4095, 4096).prefixWithin(longest));
        assertThat(layout.progressKey()).isEqualTo(longest + "part-4095-of-4096/progress.json");
        IndexLayout whole = IndexLayout.at("shop");
        IndexLayout part = IndexLayout.at(new Partition(0, 2).prefixWithin("shop"));
        assertThat(whole.isSegmentKey(part.segmentKey(IndexType.COLOR, 1, 1)))
                .as("the whole index's clean-up")
                .isFalse();
        assertThat(part.isSegmentKey(part.segmentKey(IndexType.COLOR, 1, 1))).isTrue();
    }

    @Test
    void indexOutsideTheCountIsRefused() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> new Partition(3, 3))
                .withMessageContaining("between 0 and 2");
        assertThatIllegalArgumentException().isThrownBy(() -> new Partition(0, 0));
    }
}
