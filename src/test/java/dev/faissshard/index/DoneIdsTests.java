package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The done-set: exact membership, its memory per id, and which id files it reads, when. */
class DoneIdsTests {

    @Test
    void membershipIsExactForIntegerAndHashedIds() {
        SplittableRandom random = new SplittableRandom(15);
        Set<Long> expected = new HashSet<>();
        CompactIds ids = new CompactIds();
        for (int i = 0; i < 200_000; i++) {
            // Dense runs, sparse integers, hashes, and both ends of the range.
            long id =
                    switch (i % 4) {
                        case 0 -> i;
                        case 1 -> random.nextLong(1L << 40);
                        case 2 -> FaissIds.of("sku-" + i);
                        default -> i % 8 == 3 ? Long.MAX_VALUE - i : -i;
                    };
            assertThat(ids.add(id)).isEqualTo(expected.add(id));
        }
        long[] bulk = random.longs(50_000).toArray();
        ids.addAll(bulk);
        for (long id : bulk) {
            expected.add(id);
        }
        ids.addRange(1_000_000, 1_300_000);
        for (long id = 1_000_000; id <= 1_300_000; id++) {
            expected.add(id);
        }
        assertThat(ids.size()).isEqualTo(expected.size());
        for (long id : expected) {
            assertThat(ids.contains(id)).as("%d", id).isTrue();
        }
        for (int i = 0; i < 200_000; i++) {
            long probe = random.nextLong();
            assertThat(ids.contains(probe)).isEqualTo(expected.contains(probe));
            long small = random.nextLong(2_000_000);
            assertThat(ids.contains(small)).isEqualTo(expected.contains(small));
        }
    }

    @Test
    void denseIntegerIdsCostAtMostTwoBytesEach() {
        int count = 1_000_000;
        // Every id, every id but one in twenty (the 5% that failed), one id in ten.
        long[][] cases = {ids(count, 1, 0), ids(count, 1, 20), ids(count, 10, 0)};
        // One id in ten passes through growing sorted arrays before its chunks turn to bitmaps:
        // what it allocates on the way is garbage, so only the first two bound it by 2 bytes.
        double[] allocationBound = {2.0, 2.0, 4.0};
        for (int c = 0; c < cases.length; c++) {
            long[] given = cases[c];
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().getId();
            long before = threads.getThreadAllocatedBytes(tid);
            CompactIds ids = new CompactIds();
            ids.addAll(given);
            // Everything this thread allocated while building it (garbage included) is an upper
            // bound of what the set holds, measured by the JVM, not by the set itself.
            long allocated = threads.getThreadAllocatedBytes(tid) - before;
            assertThat(ids.size()).isEqualTo(given.length);
            assertThat(allocated / (double) given.length)
                    .as("allocated per id")
                    .isLessThan(allocationBound[c]);
            assertThat(ids.memoryBytes() / (double) given.length).isLessThan(2.0);
            assertThat(ids.memoryBytes()).isLessThanOrEqualTo(allocated);
        }
    }

    @Test
    void hashedIdsCostEightBytesEachInSortedArrays() {
        CompactIds ids = new CompactIds();
        int count = 300_000;
        for (int shard = 0; shard < 30; shard++) {
            long[] hashes = new long[count / 30];
            for (int i = 0; i < hashes.length; i++) {
                hashes[i] = FaissIds.of("uuid-" + shard + "-" + i);
            }
            ids.addAll(hashes);
        }
        assertThat(ids.size()).isEqualTo(count);
        assertThat(ids.memoryBytes() / (double) count).isBetween(8.0, 8.1);
    }

    @Test
    void exactRangesAreNeverReadAndOtherShardsOnlyWhenAnIdInTheirRangeIsAsked() {
        List<List<ShardRecord>> reads = new ArrayList<>();
        // Shard 1: ids 0..999, all of them. Shard 2: 1000..2998, even ids only. Shard 3: hashed.
        long[] even = new long[1000];
        for (int i = 0; i < even.length; i++) {
            even[i] = 1000 + 2L * i;
        }
        long[] hashed = {FaissIds.of("a"), FaissIds.of("b"), FaissIds.of("c")};
        List<ShardRecord> shards =
                List.of(
                        shard(1, 1000, 0, 999),
                        shard(2, 1000, 1000, 2998),
                        shard(
                                3,
                                3,
                                java.util.Arrays.stream(hashed).min().orElseThrow(),
                                java.util.Arrays.stream(hashed).max().orElseThrow()));
        DoneIds done =
                new DoneIds(
                        shards,
                        list -> {
                            reads.add(list);
                            List<long[]> out = new ArrayList<>();
                            for (ShardRecord shard : list) {
                                out.add(shard.shard() == 2 ? even : hashed);
                            }
                            return out;
                        });
        assertThat(done.contains(5)).isTrue();
        assertThat(done.contains(999)).isTrue();
        assertThat(reads).as("an exact range is never read").isEmpty();
        assertThat(done.contains(1002)).isTrue();
        assertThat(reads).hasSize(1);
        assertThat(reads.get(0)).extracting(ShardRecord::shard).containsExactly(2);
        assertThat(done.contains(1003)).isFalse();
        assertThat(done.contains(2999)).isFalse();
        assertThat(reads).as("each shard read once").hasSize(1);
        assertThat(done.contains(FaissIds.of("b"))).isTrue();
        assertThat(reads).hasSize(2);
        assertThat(done.contains(FaissIds.of("zz"))).isFalse();
        assertThat(done.shardsRead()).isEqualTo(2);
        assertThat(done.shardsUnread()).isZero();
    }

    @Test
    void theOpenShardsIdsMoveToTheSealedOnesWhenItIsSealed() {
        DoneIds done = new DoneIds(List.of(), list -> List.of());
        assertThat(done.add(7)).isTrue();
        assertThat(done.add(8)).isTrue();
        assertThat(done.add(7)).as("already held").isFalse();
        done.sealed(new long[] {7}, List.of(new IdFile.Entry(8, "8")));
        assertThat(done.sealedIdsInMemory()).isEqualTo(1);
        assertThat(done.contains(7)).isTrue();
        assertThat(done.contains(8)).isTrue();
        assertThat(done.add(7)).isFalse();
        assertThat(done.add(8)).isFalse();
        assertThat(done.add(9)).isTrue();
    }

    private static long[] ids(int count, int step, int skipEvery) {
        long[] out = new long[count];
        long id = 0;
        for (int i = 0; i < count; id += step) {
            if (skipEvery > 0 && id % skipEvery == 7) {
                continue;
            }
            out[i++] = id;
        }
        return out;
    }

    private static ShardRecord shard(int number, long vectors, long min, long max) {
        return new ShardRecord(
                number,
                "faiss/color_shard_00" + number + ".faiss",
                "faiss/color_shard_00" + number + ".ids.tsv",
                vectors,
                1,
                "0".repeat(64),
                min,
                max,
                Instant.EPOCH);
    }
}
