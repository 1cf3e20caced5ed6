package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.VectorIndex;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One index type of an {@link OpenIndex}: its shard writer, the ids it already holds, the catalogue
 * ids of its open shard, and the state to record in {@code progress.json}. Turns what the writer
 * produced into object keys, records and pending uploads. Not thread-safe.
 */
final class OpenTypeIndex implements AutoCloseable {

    private static final String FAISS_TYPE = "application/octet-stream";
    private static final String TSV_TYPE = "text/tab-separated-values";

    private final IndexType type;
    private final IndexLayout layout;
    private final ShardWriter writer;
    private final DoneIds indexedIds;
    private final Clock clock;

    /** Rows of the open shard in index order: the id file of the shard once sealed. */
    private final List<IdFile.Entry> openEntries = new ArrayList<>();

    private IndexProgress state;

    OpenTypeIndex(
            IndexType type,
            IndexLayout layout,
            ShardWriter writer,
            DoneIds indexedIds,
            IndexProgress state,
            Clock clock) {
        this.type = type;
        this.layout = layout;
        this.writer = writer;
        this.indexedIds = indexedIds;
        this.state = state;
        this.clock = clock;
    }

    IndexType type() {
        return type;
    }

    IndexProgress state() {
        return state;
    }

    long openVectors() {
        return writer.openVectors();
    }

    /**
     * Whether this index already holds the id (in a sealed shard, a flushed segment or this batch).
     */
    boolean contains(long faissId) {
        return indexedIds.contains(faissId);
    }

    void restoreSegment(VectorIndex.Exported segment, List<IdFile.Entry> entries) {
        writer.restore(segment);
        openEntries.addAll(entries);
        for (long id : segment.ids()) {
            indexedIds.restore(id);
        }
    }

    /**
     * Adds one batch's vectors (row-major), skipping rows whose id is already indexed; returns the
     * objects to upload and the keys the change makes obsolete.
     */
    Changes append(
            long batch, float[] vectors, long[] ids, List<String> catalogIds, IndexEvents events) {
        int dimension = state.model().dimension();
        List<IdFile.Entry> rows = new ArrayList<>(ids.length);
        int[] keep = new int[ids.length];
        for (int row = 0; row < ids.length; row++) {
            if (indexedIds.add(ids[row])) {
                keep[rows.size()] = row;
                rows.add(new IdFile.Entry(ids[row], catalogIds.get(row)));
            }
        }
        Changes changes = new Changes();
        if (rows.isEmpty()) {
            return changes;
        }
        float[] keptVectors = vectors;
        long[] keptIds = ids;
        if (rows.size() < ids.length) {
            keptVectors = new float[rows.size() * dimension];
            keptIds = new long[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(
                        vectors, keep[i] * dimension, keptVectors, i * dimension, dimension);
                keptIds[i] = ids[keep[i]];
            }
        }
        ShardWriter.Appended appended = writer.append(keptVectors, keptIds);
        appended.adds().forEach(add -> events.added(type, add.vectors(), add.nanos()));
        openEntries.addAll(rows);
        for (ShardWriter.Sealed sealed : appended.sealed()) {
            sealed(sealed, events, changes);
        }
        appended.segment().ifPresent(segment -> flushed(batch, segment, events, changes));
        return changes;
    }

    /** Seals the open shard if it holds anything. */
    Changes sealOpenShard(IndexEvents events) {
        Changes changes = new Changes();
        writer.sealOpenShard().ifPresent(shard -> sealed(shard, events, changes));
        return changes;
    }

    @Override
    public void close() {
        writer.close();
    }

    private void sealed(ShardWriter.Sealed sealed, IndexEvents events, Changes changes) {
        events.serialized(sealed.data().length, sealed.serializeNanos());
        int count = Math.toIntExact(sealed.vectors());
        List<IdFile.Entry> entries = List.copyOf(openEntries.subList(0, count));
        openEntries.subList(0, count).clear();
        requireSameIds(entries, sealed.ids());
        indexedIds.sealed(sealed.ids(), openEntries);
        int shard = state.openShard();
        String key = layout.shardKey(type, shard);
        String idsKey = layout.shardIdsKey(type, shard);
        changes.uploads.add(
                new PendingObject("ids", idsKey, IdFile.write(entries), TSV_TYPE, true));
        changes.uploads.add(new PendingObject("shard", key, sealed.data(), FAISS_TYPE, true));
        long min = Arrays.stream(sealed.ids()).min().orElse(0);
        long max = Arrays.stream(sealed.ids()).max().orElse(0);
        ShardRecord record =
                new ShardRecord(
                        shard,
                        layout.relative(key),
                        layout.relative(idsKey),
                        count,
                        sealed.data().length,
                        Sha256.hex(sealed.data()),
                        min,
                        max,
                        clock.instant());
        for (SegmentRecord segment : state.openSegments()) {
            changes.obsoleteKeys.add(layout.absolute(segment.file()));
            changes.obsoleteKeys.add(layout.absolute(segment.idsFile()));
        }
        List<ShardRecord> shards = new ArrayList<>(state.sealedShards());
        shards.add(record);
        state =
                new IndexProgress(
                        state.model(),
                        state.metric(),
                        state.factory(),
                        shards,
                        shard + 1,
                        List.of());
        events.sealed(type, record);
    }

    private void flushed(
            long batch, ShardWriter.Flushed segment, IndexEvents events, Changes changes) {
        events.serialized(segment.data().length, segment.serializeNanos());
        List<IdFile.Entry> entries =
                List.copyOf(
                        openEntries.subList(
                                openEntries.size() - segment.ids().length, openEntries.size()));
        requireSameIds(entries, segment.ids());
        int shard = state.openShard();
        String key = layout.segmentKey(type, shard, batch);
        String idsKey = layout.segmentIdsKey(type, shard, batch);
        changes.uploads.add(
                new PendingObject("ids", idsKey, IdFile.write(entries), TSV_TYPE, false));
        changes.uploads.add(new PendingObject("segment", key, segment.data(), FAISS_TYPE, false));
        List<SegmentRecord> segments = new ArrayList<>(state.openSegments());
        segments.add(
                new SegmentRecord(
                        batch,
                        layout.relative(key),
                        layout.relative(idsKey),
                        entries.size(),
                        segment.data().length,
                        Sha256.hex(segment.data()),
                        Arrays.stream(segment.ids()).min().orElseThrow(),
                        Arrays.stream(segment.ids()).max().orElseThrow()));
        state =
                new IndexProgress(
                        state.model(),
                        state.metric(),
                        state.factory(),
                        state.sealedShards(),
                        shard,
                        segments);
    }

    /**
     * The writer adds rows in the order given, so its ids and the recorded catalogue ids line up.
     */
    private static void requireSameIds(List<IdFile.Entry> entries, long[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (entries.get(i).faissId() != ids[i]) {
                throw new IllegalStateException(
                        "shard writer reordered ids: "
                                + ids[i]
                                + " where "
                                + entries.get(i).faissId()
                                + " was added");
            }
        }
    }

    /** Objects to upload and keys made obsolete, in the order they arose. */
    static final class Changes {

        final List<PendingObject> uploads = new ArrayList<>();
        final List<String> obsoleteKeys = new ArrayList<>();
    }
}
