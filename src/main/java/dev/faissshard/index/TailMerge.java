package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.shard.VectorIndexes;
import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Merges a finished job's open segments into few: consecutive segments holding together at most
 * {@link #MAX_VECTOR_BYTES} of vectors become one segment (the same exact {@code IDMap,Flat} form,
 * dead vectors left out), so that the next job restores a handful of objects instead of one per
 * batch of every earlier job.
 *
 * <p>Merged segments take batch numbers no segment has used ({@code firstBatch} on), and the commit
 * that names them moves the index's next batch past them, so a later job never writes over them.
 * The write order is the commit's: the merged objects, then {@code progress.json} naming them
 * instead of the old ones, then the manifest, then the old objects' deletion. A kill before the
 * progress write leaves merged objects nobody names, a kill after it old ones; the next open
 * removes either, and the index holds every live vector once at every instant.
 */
final class TailMerge {

    /** Largest merged segment, in vector bytes: 64 MB (a flat 712-d shard is 45 MB). */
    static final long MAX_VECTOR_BYTES = 64L << 20;

    private static final String FAISS_TYPE = "application/octet-stream";
    private static final String TSV_TYPE = "text/tab-separated-values";

    private TailMerge() {}

    /**
     * Merges the open segments of every type of the index (the caller commits); returns the first
     * batch number still free.
     */
    static long merge(OpenIndex index, VectorIndexes indexes, Metric metric, long firstBatch) {
        long next = firstBatch;
        for (IndexType type : index.types()) {
            next = merge(index, type, indexes, metric, next);
        }
        return next;
    }

    private static long merge(
            OpenIndex index, IndexType type, VectorIndexes indexes, Metric metric, long batch) {
        IndexProgress state = index.state(type);
        List<SegmentRecord> segments = state.openSegments();
        if (segments.size() < 2) {
            return batch;
        }
        int dimension = state.model().dimension();
        long maxVectors = Math.max(1, MAX_VECTOR_BYTES / ((long) dimension * Float.BYTES));
        List<List<SegmentRecord>> groups = new ArrayList<>();
        List<SegmentRecord> group = new ArrayList<>();
        long vectors = 0;
        for (SegmentRecord segment : segments) {
            if (!group.isEmpty() && vectors + segment.vectors() > maxVectors) {
                groups.add(group);
                group = new ArrayList<>();
                vectors = 0;
            }
            group.add(segment);
            vectors += segment.vectors();
        }
        groups.add(group);
        if (groups.size() == segments.size()) {
            return batch;
        }
        Tombstones dead = Tombstones.ofRecords(index.tombstones(), type.key());
        IndexLayout layout = index.location().layout();
        StorageClient store = index.location().storage();
        List<SegmentRecord> merged = new ArrayList<>();
        List<PendingObject> uploads = new ArrayList<>();
        List<String> obsolete = new ArrayList<>();
        List<String> cleared = new ArrayList<>();
        for (List<SegmentRecord> parts : groups) {
            if (parts.size() == 1) {
                merged.add(parts.get(0));
                continue;
            }
            List<IdFile.Entry> entries = new ArrayList<>();
            long[] prints = new long[0];
            try (VectorIndex into =
                    indexes.create(dimension, ShardWriter.SEGMENT_FACTORY, metric)) {
                for (SegmentRecord part : parts) {
                    OpenTypeIndex.Live live = read(store, layout, indexes, part, dead);
                    if (live.entries().isEmpty()) {
                        continue;
                    }
                    into.addWithIds(live.rows().vectors(), live.rows().ids());
                    entries.addAll(live.entries());
                    int at = prints.length;
                    prints = Arrays.copyOf(prints, at + live.fingerprints().length);
                    System.arraycopy(
                            live.fingerprints(), 0, prints, at, live.fingerprints().length);
                }
                for (SegmentRecord part : parts) {
                    obsolete.add(layout.absolute(part.file()));
                    obsolete.add(layout.absolute(part.idsFile()));
                    if (part.urlsFile() != null) {
                        obsolete.add(layout.absolute(part.urlsFile()));
                    }
                    cleared.add(part.file());
                }
                if (entries.isEmpty()) {
                    continue; // every vector of these segments is dead: nothing to keep
                }
                byte[] data = into.toBytes();
                String key = layout.segmentKey(type, state.openShard(), batch);
                String idsKey = layout.segmentIdsKey(type, state.openShard(), batch);
                String urlsKey = layout.segmentUrlsKey(type, state.openShard(), batch);
                uploads.add(
                        new PendingObject("ids", idsKey, IdFile.write(entries), TSV_TYPE, false));
                uploads.add(
                        new PendingObject(
                                "urls",
                                urlsKey,
                                FingerprintFile.write(prints, 0, prints.length),
                                FAISS_TYPE,
                                false));
                uploads.add(new PendingObject("segment", key, data, FAISS_TYPE, false));
                long min = entries.stream().mapToLong(IdFile.Entry::faissId).min().orElseThrow();
                long max = entries.stream().mapToLong(IdFile.Entry::faissId).max().orElseThrow();
                merged.add(
                        new SegmentRecord(
                                batch,
                                layout.relative(key),
                                layout.relative(idsKey),
                                entries.size(),
                                data.length,
                                Sha256.hex(data),
                                min,
                                max,
                                layout.relative(urlsKey)));
                batch++;
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
                        merged,
                        state.trained()),
                uploads,
                obsolete,
                cleared,
                batch);
        return batch;
    }

    private static OpenTypeIndex.Live read(
            StorageClient store,
            IndexLayout layout,
            VectorIndexes indexes,
            SegmentRecord segment,
            Tombstones dead) {
        byte[] data = store.get(layout.absolute(segment.file()));
        if (!Sha256.hex(data).equals(segment.sha256())) {
            throw new IllegalStateException(
                    "Segment "
                            + segment.file()
                            + " does not match the checksum recorded in progress.json; storage was modified");
        }
        List<IdFile.Entry> entries = IdFile.read(store.get(layout.absolute(segment.idsFile())));
        long[] prints =
                segment.urlsFile() == null
                        ? new long[entries.size()]
                        : FingerprintFile.read(
                                store.get(layout.absolute(segment.urlsFile())),
                                entries.size(),
                                segment.urlsFile());
        try (VectorIndex stored = indexes.fromBytes(data)) {
            return OpenTypeIndex.live(segment.file(), stored.export(), entries, prints, dead);
        }
    }
}
