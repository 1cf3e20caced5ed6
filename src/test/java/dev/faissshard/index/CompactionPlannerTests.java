package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CompactionPlannerTests {

    private static final long CAPACITY = 100;

    @Test
    void fullShardsStayAndSmallOnesMergeWithTheTail() {
        List<ShardRecord> sealed = List.of(shard(1, 100), shard(2, 20), shard(3, 95), shard(4, 5));
        CompactionPlanner.Plan plan =
                CompactionPlanner.plan(sealed, List.of(segment(9, 30)), file -> 0, CAPACITY);
        assertThat(plan.keep()).extracting(ShardRecord::shard).containsExactly(1, 3);
        assertThat(plan.merge()).extracting(ShardRecord::shard).containsExactly(2, 4);
        assertThat(plan.includeTail()).isTrue();
        assertThat(plan.liveVectors()).isEqualTo(55);
        assertThat(plan.shardsAfter(CAPACITY)).isEqualTo(3);
    }

    @Test
    void aFullShardWithDeadVectorsIsRewritten() {
        List<ShardRecord> sealed = List.of(shard(1, 100), shard(2, 100));
        CompactionPlanner.Plan plan =
                CompactionPlanner.plan(sealed, List.of(), f -> f.equals(file(2)) ? 7 : 0, CAPACITY);
        assertThat(plan.keep()).extracting(ShardRecord::shard).containsExactly(1);
        assertThat(plan.merge()).extracting(ShardRecord::shard).containsExactly(2);
        assertThat(plan.includeTail()).isFalse();
        assertThat(plan.liveVectors()).isEqualTo(93);
    }

    @Test
    void nothingToDoForFullShardsALoneSmallShardOrATailAlone() {
        assertThat(
                        CompactionPlanner.plan(
                                        List.of(shard(1, 100), shard(2, 90)),
                                        List.of(segment(5, 3)),
                                        file -> 0,
                                        CAPACITY)
                                .isEmpty())
                .as("full shards and a tail")
                .isTrue();
        assertThat(
                        CompactionPlanner.plan(
                                        List.of(shard(1, 100), shard(2, 40)),
                                        List.of(),
                                        file -> 0,
                                        CAPACITY)
                                .isEmpty())
                .as("one small shard alone: rewriting it would give the same shard")
                .isTrue();
        assertThat(CompactionPlanner.plan(List.of(), List.of(), file -> 0, CAPACITY).isEmpty())
                .isTrue();
    }

    @Test
    void afterAnyNumberOfTinyShardsTheCountComesBackToVectorsOverCapacity() {
        // What jobs that sealed their tails at every end left behind: 50 shards of 7 vectors.
        List<ShardRecord> sealed = new ArrayList<>();
        for (int i = 1; i <= 50; i++) {
            sealed.add(shard(i, 7));
        }
        CompactionPlanner.Plan plan =
                CompactionPlanner.plan(sealed, List.of(segment(51, 12)), file -> 0, CAPACITY);
        assertThat(plan.merge()).hasSize(50);
        assertThat(plan.shardsAfter(CAPACITY)).isEqualTo((50 * 7 + 12 + 99) / 100);
    }

    private static String file(int shard) {
        return "faiss/color_shard_" + shard + ".faiss";
    }

    private static ShardRecord shard(int number, long vectors) {
        return new ShardRecord(
                number,
                file(number),
                "faiss/color_shard_" + number + ".ids.tsv",
                vectors,
                vectors * 10,
                "0".repeat(64),
                0,
                vectors,
                Instant.EPOCH);
    }

    private static SegmentRecord segment(int shard, int vectors) {
        return new SegmentRecord(
                1,
                "faiss/open/color_shard_" + shard + "_batch_000001.faiss",
                "faiss/open/color_shard_" + shard + "_batch_000001.ids.tsv",
                vectors,
                vectors * 10L,
                "0".repeat(64),
                0,
                vectors);
    }
}
