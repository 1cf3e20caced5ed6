package dev.faissshard.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The FAISS ids one index type already holds, in memory that does not grow with the catalogue as
 * {@link IdSet}'s 16 bytes per id did: the ids of sealed shards in {@link CompactIds} (1/8 byte per
 * dense integer id, 8 per hashed id), those of the open shard (at most one shard's worth) in an
 * {@link IdSet}.
 *
 * <p>Sealed shards are read lazily: a shard whose ids are exactly its {@code [minId, maxId]} range
 * (integer ids read in order) is taken as that range without reading anything; any other shard's id
 * file is read the first time an id inside its range is asked about. A resumed job over integer ids
 * therefore reads no id file at all, and one over hashed ids reads them all at its first question
 * (in parallel, through the {@link Loader}). Not thread-safe.
 */
public final class DoneIds {

    /** Reads the FAISS ids of sealed shards, one array per shard, in the order given. */
    @FunctionalInterface
    public interface Loader {
        List<long[]> load(List<ShardRecord> shards);
    }

    private final Loader loader;
    private final CompactIds sealed = new CompactIds();
    private IdSet open = new IdSet();

    /**
     * Sealed shards not read yet, by {@code minId}; {@code reach[i]} is the largest maxId of 0..i.
     */
    private ShardRecord[] unread;

    private long[] minIds;
    private long[] reach;
    private int shardsRead;

    public DoneIds(List<ShardRecord> shards, Loader loader) {
        this.loader = loader;
        List<ShardRecord> toRead = new ArrayList<>();
        for (ShardRecord shard : shards) {
            if (shard.vectors() <= 0) {
                continue;
            }
            if (isExactRange(shard)) {
                sealed.addRange(shard.minId(), shard.maxId());
            } else {
                toRead.add(shard);
            }
        }
        index(toRead);
    }

    /** Whether the type holds the id, in a sealed shard or the open one. */
    public boolean contains(long id) {
        return open.contains(id) || sealedContains(id);
    }

    /** Adds an id to the open shard; false if the type already holds it. */
    public boolean add(long id) {
        if (sealedContains(id)) {
            return false;
        }
        return open.add(id);
    }

    /** Adds an id restored from a flushed segment of the open shard. */
    void restore(long id) {
        open.add(id);
    }

    /**
     * The open shard's first rows were sealed as {@code ids}: they join the sealed ids, and the
     * open ids are those still open.
     */
    void sealed(long[] ids, List<IdFile.Entry> stillOpen) {
        sealed.addAll(ids);
        open = new IdSet();
        for (IdFile.Entry entry : stillOpen) {
            open.add(entry.faissId());
        }
    }

    /** Ids of sealed shards in memory (read, or taken from their range). */
    public long sealedIdsInMemory() {
        return sealed.size();
    }

    /** Sealed shards whose id file was read. */
    public int shardsRead() {
        return shardsRead;
    }

    /** Sealed shards not read yet. */
    public int shardsUnread() {
        return unread.length;
    }

    /** Heap held by the sealed ids, counted from array lengths ({@link CompactIds#memoryBytes}). */
    public long sealedMemoryBytes() {
        return sealed.memoryBytes();
    }

    private boolean sealedContains(long id) {
        if (unread.length > 0) {
            readCovering(id);
        }
        return sealed.contains(id);
    }

    /** Reads every unread shard whose range holds {@code id}. */
    private void readCovering(long id) {
        int last = upperBound(minIds, id) - 1;
        List<ShardRecord> covering = new ArrayList<>();
        for (int i = last; i >= 0 && reach[i] >= id; i--) {
            if (unread[i].maxId() >= id) {
                covering.add(unread[i]);
            }
        }
        if (covering.isEmpty()) {
            return;
        }
        covering.sort(Comparator.comparingInt(ShardRecord::shard));
        List<long[]> ids = loader.load(covering);
        for (long[] shardIds : ids) {
            sealed.addAll(shardIds);
        }
        shardsRead += covering.size();
        List<ShardRecord> rest = new ArrayList<>(Arrays.asList(unread));
        rest.removeAll(covering);
        index(rest);
    }

    private void index(List<ShardRecord> shards) {
        unread =
                shards.stream()
                        .sorted(Comparator.comparingLong(ShardRecord::minId))
                        .toArray(ShardRecord[]::new);
        minIds = new long[unread.length];
        reach = new long[unread.length];
        long max = Long.MIN_VALUE;
        for (int i = 0; i < unread.length; i++) {
            minIds[i] = unread[i].minId();
            max = Math.max(max, unread[i].maxId());
            reach[i] = max;
        }
    }

    /** Index of the first element greater than {@code key}. */
    private static int upperBound(long[] sorted, long key) {
        int low = 0;
        int high = sorted.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (sorted[mid] <= key) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /**
     * A shard's ids are distinct, so as many vectors as its range is wide means every id of the
     * range.
     */
    private static boolean isExactRange(ShardRecord shard) {
        return shard.minId() >= 0
                && shard.maxId() >= shard.minId()
                && shard.maxId() - shard.minId() + 1 == shard.vectors();
    }
}
