package dev.faissshard.index;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Decides what a compaction merges, per index type: every sealed shard that is small (under {@link
 * #FULL_PERCENT} of a shard's capacity) or holds dead vectors, together with the open tail, is
 * rewritten into new shards filled to capacity; full shards without dead vectors are kept as they
 * are, so that a compaction rewrites only what needs it. Pure: no storage, no FAISS.
 */
public final class CompactionPlanner {

    /** A shard holding at least this share of its capacity counts as full. */
    public static final int FULL_PERCENT = 90;

    private CompactionPlanner() {}

    /**
     * What one type's compaction does.
     *
     * @param keep sealed shards left as they are
     * @param merge sealed shards rewritten, in their order
     * @param includeTail whether the open segments are rewritten too (they follow the merged
     *     shards)
     * @param liveVectors vectors the rewritten shards will hold (dead ones left out)
     */
    public record Plan(
            List<ShardRecord> keep,
            List<ShardRecord> merge,
            boolean includeTail,
            long liveVectors) {

        public boolean isEmpty() {
            return merge.isEmpty() && !includeTail;
        }

        /** Shards after the compaction: the kept ones and the rewritten ones. */
        public long shardsAfter(long capacity) {
            return keep.size() + (liveVectors + capacity - 1) / capacity;
        }
    }

    /**
     * @param sealed the type's sealed shards, in order
     * @param segments the type's open segments, in order
     * @param deadIn dead vectors recorded in a file (shard or segment, relative)
     * @param capacity vectors a shard holds at most
     */
    public static Plan plan(
            List<ShardRecord> sealed,
            List<SegmentRecord> segments,
            ToIntFunction<String> deadIn,
            long capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        List<ShardRecord> keep = new ArrayList<>();
        List<ShardRecord> merge = new ArrayList<>();
        long live = 0;
        for (ShardRecord shard : sealed) {
            int dead = deadIn.applyAsInt(shard.file());
            boolean full = shard.vectors() * 100 >= capacity * FULL_PERCENT;
            if (full && dead == 0) {
                keep.add(shard);
            } else {
                merge.add(shard);
                live += Math.max(0, shard.vectors() - dead);
            }
        }
        long tailLive = 0;
        for (SegmentRecord segment : segments) {
            tailLive += Math.max(0, segment.vectors() - deadIn.applyAsInt(segment.file()));
        }
        boolean mergedChanges =
                merge.size() > 1
                        || merge.stream().anyMatch(shard -> deadIn.applyAsInt(shard.file()) > 0);
        if (merge.isEmpty() || (!mergedChanges && segments.isEmpty())) {
            // Nothing small to merge (a lone small shard without dead vectors stays as it is),
            // and an open tail alone stays open: the next job fills it further.
            return new Plan(List.copyOf(sealed), List.of(), false, 0);
        }
        return new Plan(keep, merge, !segments.isEmpty(), live + tailLive);
    }
}
