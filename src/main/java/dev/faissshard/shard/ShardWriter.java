package dev.faissshard.shard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Fills the open shard of one index type with vectors and seals it when the next vectors would take
 * it past its size or count limit. It touches no storage: each call returns what it produced (the
 * bytes of the shards it sealed and of the segment that makes the rest of the batch durable), and
 * the stored index uploads them in its commit, in the order that makes a killed run harmless.
 *
 * <p>Not thread-safe: one writer per index type, driven by the job's thread.
 */
public final class ShardWriter implements AutoCloseable {

    /**
     * Segments hold one batch exactly, whatever the shards' factory: small, and read back without
     * loss.
     */
    public static final String SEGMENT_FACTORY = "IDMap,Flat";

    private final int dimension;
    private final ShardSettings settings;
    private final long capacity;
    private final VectorIndexes indexes;

    private VectorIndex open;

    /** Ids of the open shard, in index order, for its id file when sealed. */
    private long[] openIds = new long[64];

    private int openCount;

    ShardWriter(
            int dimension,
            ShardSettings settings,
            ShardSizeModel sizeModel,
            VectorIndexes indexes) {
        this.dimension = dimension;
        this.settings = settings;
        long byBytes = sizeModel.capacity(settings.maxBytes());
        this.capacity =
                settings.maxVectors() > 0 ? Math.min(byBytes, settings.maxVectors()) : byBytes;
        this.indexes = indexes;
        this.open = newIndex();
    }

    /** Most vectors a shard holds. */
    public long capacity() {
        return capacity;
    }

    /** Vectors in the open shard. */
    public long openVectors() {
        return open.count();
    }

    /** Carries a flushed segment of the open shard back into it, as a resumed job does. */
    public void restore(VectorIndex.Exported segment) {
        open.addWithIds(segment.vectors(), segment.ids());
        remember(segment.ids(), 0, segment.ids().length);
    }

    /**
     * Adds one batch's vectors (row-major, one id per row, none already indexed), sealing shards as
     * they fill; the rows that stay in the open shard come back as a segment.
     */
    public Appended append(float[] vectors, long[] ids) {
        if (vectors.length != ids.length * dimension) {
            throw new IllegalArgumentException(
                    ids.length
                            + " ids for "
                            + vectors.length
                            + " floats of dimension "
                            + dimension);
        }
        List<Sealed> sealed = new ArrayList<>();
        List<Add> adds = new ArrayList<>();
        int offset = 0;
        int segmentStart = 0;
        while (offset < ids.length) {
            long room = capacity - open.count();
            if (room <= 0) {
                sealed.add(seal());
                segmentStart = offset;
                continue;
            }
            int take = (int) Math.min(room, ids.length - offset);
            long start = System.nanoTime();
            if (take == ids.length) {
                open.addWithIds(vectors, ids);
            } else {
                open.addWithIds(
                        Arrays.copyOfRange(
                                vectors, offset * dimension, (offset + take) * dimension),
                        Arrays.copyOfRange(ids, offset, offset + take));
            }
            adds.add(new Add(take, System.nanoTime() - start));
            remember(ids, offset, take);
            offset += take;
        }
        Optional<Flushed> segment = Optional.empty();
        if (segmentStart < ids.length) {
            long[] segmentIds = Arrays.copyOfRange(ids, segmentStart, ids.length);
            try (VectorIndex flushed =
                    indexes.create(dimension, SEGMENT_FACTORY, settings.metric())) {
                flushed.addWithIds(
                        Arrays.copyOfRange(
                                vectors, segmentStart * dimension, ids.length * dimension),
                        segmentIds);
                long start = System.nanoTime();
                byte[] data = flushed.toBytes();
                segment = Optional.of(new Flushed(data, segmentIds, System.nanoTime() - start));
            }
        }
        return new Appended(sealed, segment, adds);
    }

    /**
     * Adds vectors (row-major, one id per row) into the open shard, sealing shards as they fill,
     * without flushing the rest as a segment: for a compaction, which seals its remainder at its
     * end.
     */
    public List<Sealed> fill(float[] vectors, long[] ids) {
        if (vectors.length != ids.length * dimension) {
            throw new IllegalArgumentException(
                    ids.length
                            + " ids for "
                            + vectors.length
                            + " floats of dimension "
                            + dimension);
        }
        List<Sealed> sealed = new ArrayList<>();
        int offset = 0;
        while (offset < ids.length) {
            long room = capacity - open.count();
            if (room <= 0) {
                sealed.add(seal());
                continue;
            }
            int take = (int) Math.min(room, ids.length - offset);
            open.addWithIds(
                    Arrays.copyOfRange(vectors, offset * dimension, (offset + take) * dimension),
                    Arrays.copyOfRange(ids, offset, offset + take));
            remember(ids, offset, take);
            offset += take;
        }
        return sealed;
    }

    /**
     * Seals the open shard if it holds anything; used when a job reaches the end of its catalogue.
     */
    public Optional<Sealed> sealOpenShard() {
        return open.count() > 0 ? Optional.of(seal()) : Optional.empty();
    }

    @Override
    public void close() {
        open.close();
    }

    private Sealed seal() {
        long start = System.nanoTime();
        byte[] data = open.toBytes();
        Sealed sealed =
                new Sealed(data, Arrays.copyOf(openIds, openCount), System.nanoTime() - start);
        open.close();
        open = newIndex();
        openCount = 0;
        return sealed;
    }

    private void remember(long[] ids, int from, int count) {
        if (openCount + count > openIds.length) {
            openIds = Arrays.copyOf(openIds, Math.max(openIds.length * 2, openCount + count));
        }
        System.arraycopy(ids, from, openIds, openCount, count);
        openCount += count;
    }

    private VectorIndex newIndex() {
        VectorIndex index = indexes.create(dimension, settings.factory(), settings.metric());
        // The shard never holds more than its capacity, so room for all of it up front spares the
        // copy
        // (and the moment of double memory) each time FAISS would otherwise grow its arrays.
        index.reserve(capacity);
        return index;
    }

    /**
     * What one {@link #append} produced.
     *
     * @param sealed shards filled by this batch, in order
     * @param segment the rows of this batch that stay in the open shard, if any
     * @param adds each add into the open shard
     */
    public record Appended(List<Sealed> sealed, Optional<Flushed> segment, List<Add> adds) {}

    /** One add into the open shard: how many vectors, how long. */
    public record Add(int vectors, long nanos) {}

    /**
     * A full shard: its serialized bytes, its ids in index order, and how long serializing took.
     */
    public record Sealed(byte[] data, long[] ids, long serializeNanos) {

        public long vectors() {
            return ids.length;
        }
    }

    /**
     * A batch's rows kept in the open shard, as a small {@link #SEGMENT_FACTORY} index of their
     * own.
     */
    public record Flushed(byte[] data, long[] ids, long serializeNanos) {}
}
