package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.shard.VectorIndexes;
import dev.faissshard.storage.ObjectBody;
import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges a finished job's open segments: a type whose open shard has more than {@code
 * fsb.shard.merge-tail-above} segments gets runs of consecutive small segments rewritten as one
 * segment each (the same exact {@code IDMap,Flat} form, at most one shard's object size, dead
 * vectors left out). The next job then restores a few objects per type instead of two or three per
 * batch of every job since the shard opened.
 *
 * <p>The merged segments keep the order of the rows, so restoring them fills the open shard exactly
 * as restoring the old ones did, dead vectors excluded either way; a trained factory that still
 * buffers flat vectors for its training sample therefore trains on the same vectors.
 *
 * <p>Merged segments take batch numbers no segment has used ({@code firstBatch} on); the commit
 * that names them moves the index's next batch past them, so a later job never writes over them.
 * Each merged segment is uploaded as soon as it is made (one in memory at a time); then the commit
 * writes {@code progress.json} naming them instead of the old ones (and without the tombstones of
 * the old ones), the manifest, and only then deletes the old objects. A kill before the progress
 * write leaves merged objects nobody names, a kill after it old ones; the next open removes either,
 * and every live vector is named exactly once at every instant.
 *
 * <p>The rows of a segment this process restored or wrote are still in its open shard: when that
 * holds them exactly (a flat factory, or a trained one still buffering), they are copied from there
 * into the merged segment, natively, instead of being read back from storage (a round trip, a
 * checksum and a decode per segment: most of what a merge cost a first build). Only the segments of
 * a tail the process did not restore, or an open shard of codes or a graph, are read back. Both
 * give the same rows in the same order, hence the same bytes.
 */
final class TailMerge {

    private static final Logger log = LoggerFactory.getLogger(TailMerge.class);

    private static final String FAISS_TYPE = "application/octet-stream";
    private static final String TSV_TYPE = "text/tab-separated-values";

    /** Room for the {@code IDMap,Flat} header within the object size bound. */
    private static final long HEADER_BYTES = 4096;

    /**
     * Merged segments are at most this large (or the shard object size, if smaller): the next job
     * restores each on the heap, bytes and vectors both, and a merged segment of a whole shard (45
     * MB) ran the documented 128 MB heap out of memory there. A full tail is then about six merged
     * segments per type, still far fewer than its batches.
     */
    static final long MERGED_SEGMENT_BYTES = 8L << 20;

    private TailMerge() {}

    /**
     * Merges the open segments of every type of the index that has more than {@code mergeAbove}
     * (the caller commits); returns the first batch number still free.
     */
    static long merge(OpenIndex index, ShardWriterFactory writers, long firstBatch) {
        return merge(index, writers, firstBatch, true);
    }

    /**
     * {@link #merge(OpenIndex, ShardWriterFactory, long)}, copying the rows the open shard holds
     * from there only with {@code fromHeldRows} (tests compare with reading every segment back).
     */
    static long merge(
            OpenIndex index, ShardWriterFactory writers, long firstBatch, boolean fromHeldRows) {
        long free = firstBatch;
        for (IndexType type : index.types()) {
            try {
                free = Math.max(free, merge(index, type, writers, firstBatch, fromHeldRows));
            } catch (RuntimeException ex) {
                // The merge only spares the next job round trips. Until its state is taken (the
                // last step), the type keeps its segments, and what it stored is named by nothing:
                // the next open removes it.
                log.warn(
                        "Not merging the open segments of {} in {}; the next job restores them as"
                                + " they are",
                        type.key(),
                        index.location().description(),
                        ex);
            }
        }
        return free;
    }

    /**
     * The runs of consecutive segments to merge, each into one segment of at most {@code
     * maxVectors}: none while there are {@code mergeAbove} segments or fewer. A segment of half
     * that size or more is left as it is (a merge made it, or a job's batch that large), so a long
     * tail of a trained factory still buffering for its sample is not rewritten at every job. Runs
     * of a single segment are left out: there is nothing to merge.
     */
    static List<List<SegmentRecord>> runs(
            List<SegmentRecord> segments, int mergeAbove, long maxVectors) {
        List<List<SegmentRecord>> runs = new ArrayList<>();
        if (segments.size() <= mergeAbove) {
            return runs;
        }
        List<SegmentRecord> run = new ArrayList<>();
        long vectors = 0;
        for (SegmentRecord segment : segments) {
            boolean large = segment.vectors() * 2L >= maxVectors;
            if (large || vectors + segment.vectors() > maxVectors) {
                close(run, runs);
                run = new ArrayList<>();
                vectors = 0;
            }
            if (large) {
                continue;
            }
            run.add(segment);
            vectors += segment.vectors();
        }
        close(run, runs);
        return runs;
    }

    private static void close(List<SegmentRecord> run, List<List<SegmentRecord>> runs) {
        if (run.size() > 1) {
            runs.add(run);
        }
    }

    /** Vectors of {@code dimension} an {@code IDMap,Flat} object of {@code maxBytes} holds. */
    static long maxVectors(long maxBytes, int dimension) {
        long perVector = (long) dimension * Float.BYTES + Long.BYTES;
        return Math.max(2, (maxBytes - HEADER_BYTES) / perVector);
    }

    private static long merge(
            OpenIndex index,
            IndexType type,
            ShardWriterFactory writers,
            long firstBatch,
            boolean fromHeldRows) {
        IndexProgress state = index.state(type);
        int dimension = state.model().dimension();
        List<List<SegmentRecord>> runs =
                runs(
                        state.openSegments(),
                        writers.mergeTailAbove(),
                        maxVectors(
                                Math.min(writers.maxObjectBytes(), MERGED_SEGMENT_BYTES),
                                dimension));
        if (runs.isEmpty()) {
            return firstBatch;
        }
        Tombstones dead = Tombstones.ofRecords(index.tombstones(), type.key());
        IndexLayout layout = index.location().layout();
        VectorIndexes indexes = writers.indexes();
        Metric metric = writers.settings().metric();
        List<SegmentRecord> kept = new ArrayList<>();
        List<String> obsolete = new ArrayList<>();
        List<String> cleared = new ArrayList<>();
        Map<SegmentRecord, List<SegmentRecord>> startingAt = new IdentityHashMap<>();
        Set<SegmentRecord> merging = Collections.newSetFromMap(new IdentityHashMap<>());
        for (List<SegmentRecord> run : runs) {
            startingAt.put(run.get(0), run);
            merging.addAll(run);
        }
        long batch = firstBatch;
        for (SegmentRecord segment : state.openSegments()) {
            List<SegmentRecord> run = startingAt.get(segment);
            if (run == null) {
                if (!merging.contains(segment)) {
                    kept.add(segment);
                }
                continue;
            }
            SegmentRecord merged =
                    write(
                            index,
                            type,
                            state.openShard(),
                            batch,
                            run,
                            dead,
                            indexes,
                            metric,
                            fromHeldRows);
            if (merged != null) {
                kept.add(merged);
                batch++;
            }
            for (SegmentRecord part : run) {
                obsolete.add(layout.absolute(part.file()));
                obsolete.add(layout.absolute(part.idsFile()));
                if (part.urlsFile() != null) {
                    obsolete.add(layout.absolute(part.urlsFile()));
                }
                // The merged segment holds the live rows alone: the tombstones of these go too.
                cleared.add(part.file());
            }
        }
        index.tailMerged(
                type,
                new IndexProgress(
                        state.model(),
                        state.metric(),
                        state.factory(),
                        state.sealedShards(),
                        state.openShard(),
                        kept,
                        state.trained()),
                obsolete,
                cleared,
                batch);
        return batch;
    }

    /**
     * Writes the live rows of a run as one segment numbered {@code batch} and uploads it at once;
     * null when every row of the run is dead.
     */
    private static SegmentRecord write(
            OpenIndex index,
            IndexType type,
            int shard,
            long batch,
            List<SegmentRecord> run,
            Tombstones dead,
            VectorIndexes indexes,
            Metric metric,
            boolean fromHeldRows) {
        IndexLayout layout = index.location().layout();
        StorageClient store = index.location().storage();
        int dimension = index.state(type).model().dimension();
        List<IdFile.Entry> entries = new ArrayList<>();
        long[] prints = new long[0];
        ObjectBody data;
        try (VectorIndex into = indexes.create(dimension, ShardWriter.SEGMENT_FACTORY, metric)) {
            // Room for every row of the run up front: growing by doubling would hold the old
            // and the new array at once, up to twice the merged segment, next to the open shard.
            into.reserve(run.stream().mapToLong(SegmentRecord::vectors).sum());
            OpenTypeIndex open = index.typeIndex(type);
            for (SegmentRecord part : run) {
                Optional<OpenTypeIndex.Copied> held =
                        fromHeldRows
                                ? open.copyLiveRows(part.file(), dead, into)
                                : Optional.empty();
                long[] partPrints;
                if (held.isPresent()) {
                    entries.addAll(held.get().entries());
                    partPrints = held.get().fingerprints();
                } else {
                    OpenTypeIndex.Live live = read(store, layout, indexes, part, dead);
                    if (live.entries().isEmpty()) {
                        continue;
                    }
                    into.addWithIds(live.rows().vectors(), live.rows().ids());
                    entries.addAll(live.entries());
                    partPrints = live.fingerprints();
                }
                int at = prints.length;
                prints = Arrays.copyOf(prints, at + partPrints.length);
                System.arraycopy(partPrints, 0, prints, at, partPrints.length);
            }
            if (entries.isEmpty()) {
                return null;
            }
            // Up to a shard's size: stored from the index itself, never copied (see ObjectBody).
            data = into.intoSerialized();
        }
        String key = layout.segmentKey(type, shard, batch);
        String idsKey = layout.segmentIdsKey(type, shard, batch);
        String urlsKey = layout.segmentUrlsKey(type, shard, batch);
        index.storeNow(new PendingObject("ids", idsKey, IdFile.write(entries), TSV_TYPE, false));
        index.storeNow(
                new PendingObject(
                        "urls",
                        urlsKey,
                        FingerprintFile.write(prints, 0, prints.length),
                        FAISS_TYPE,
                        false));
        try (data) {
            index.storeNow(new PendingObject("segment", key, data, FAISS_TYPE, false));
            long min = entries.stream().mapToLong(IdFile.Entry::faissId).min().orElseThrow();
            long max = entries.stream().mapToLong(IdFile.Entry::faissId).max().orElseThrow();
            return new SegmentRecord(
                    batch,
                    layout.relative(key),
                    layout.relative(idsKey),
                    entries.size(),
                    data.size(),
                    data.sha256(),
                    min,
                    max,
                    layout.relative(urlsKey));
        }
    }

    /** A segment's live rows, checked against the checksum progress.json records for it. */
    private static OpenTypeIndex.Live read(
            StorageClient store,
            IndexLayout layout,
            VectorIndexes indexes,
            SegmentRecord segment,
            Tombstones dead) {
        StoredIndex.LoadedSegment loaded = StoredIndex.loadSegment(store, layout, indexes, segment);
        // Rows stored before fingerprints were kept carry none (UNKNOWN) into the merged segment.
        long[] prints =
                loaded.fingerprints() == null
                        ? new long[loaded.entries().size()]
                        : loaded.fingerprints();
        return OpenTypeIndex.live(segment.file(), loaded.vectors(), loaded.entries(), prints, dead);
    }
}
