package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.ObjectBody;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StorageException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An index opened for one run by {@link StoredIndex}: the shard writers of its index types, the
 * failures recorded so far, and what the run has produced since its last commit. {@link #commit}
 * alone writes to storage, in the order that makes a killed run harmless:
 *
 * <ol>
 *   <li>the objects (sealed shards, segments, their id files);
 *   <li>{@code progress.json}, which from then on names them;
 *   <li>the manifest, derived from that progress, so a reader never meets an object that is not
 *       there;
 *   <li>only then the deletion of segments neither names any more.
 * </ol>
 *
 * A run killed between two steps leaves objects nobody names (removed when the index is next
 * opened) or a manifest one batch behind progress (republished when the index is next opened);
 * never a manifest or progress naming a missing object.
 *
 * <p>Not thread-safe: driven by the job's thread.
 */
public final class OpenIndex implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OpenIndex.class);

    private final IndexLocation location;
    private final ProgressStore progressStore;
    private final ManifestPublisher manifests;
    private final IndexEvents events;
    private final Map<IndexType, OpenTypeIndex> types;
    private final Reopener reopener;
    private final TailMerger tailMerger;
    private final FailureLog failures;

    /** Whether a shard was sealed since the last commit: the failure log is compacted then. */
    private boolean sealedSinceCommit;

    /** The first batch number a merged segment left free: the next commit records at least it. */
    private long reservedBatch;

    /**
     * Uploads wait here until the commit that ends their batch. A sealed shard waits as its
     * serialized bytes while its native index is already freed, so memory holds one copy of it
     * either way.
     */
    private final List<PendingObject> pending = new ArrayList<>();

    private final List<String> obsolete = new ArrayList<>();
    private final List<TombstoneRecord> tombstones;
    private final Set<String> tombstoneKeys = new java.util.HashSet<>();
    private Progress committed;

    OpenIndex(
            IndexLocation location,
            Progress progress,
            Map<IndexType, OpenTypeIndex> types,
            ProgressStore progressStore,
            ManifestPublisher manifests,
            IndexEvents events,
            Reopener reopener,
            TailMerger tailMerger) {
        this.location = location;
        this.committed = progress;
        this.reopener = reopener;
        this.tailMerger = tailMerger;
        // Mutable for an update's reopen of one type's open shard; never changes its key set.
        this.types = new EnumMap<>(types);
        this.failures =
                progressStore.openFailureLog(location.layout(), location.storage(), progress);
        this.tombstones = new ArrayList<>(progress.tombstones());
        this.tombstones.forEach(
                tombstone ->
                        tombstoneKeys.add(
                                tombstoneKey(
                                        tombstone.type(), tombstone.file(), tombstone.faissId())));
        this.progressStore = progressStore;
        this.manifests = manifests;
        this.events = events;
    }

    public IndexLocation location() {
        return location;
    }

    public Set<IndexType> types() {
        return Collections.unmodifiableSet(types.keySet());
    }

    /**
     * The progress last written to storage (what the index was opened with, until the first
     * commit).
     */
    public Progress committed() {
        return committed;
    }

    /** The state of one index type, including what the run produced since the last commit. */
    public IndexProgress state(IndexType type) {
        return types.get(type).state();
    }

    /** Vectors in the open shard of one index type. */
    public long openVectors(IndexType type) {
        return types.get(type).openVectors();
    }

    /** Whether every index type already holds this catalogue id. */
    public boolean holds(String catalogId) {
        return holds(catalogId, RowFingerprint.UNKNOWN);
    }

    /**
     * Whether every index type already holds this catalogue id, made from the row as it is now: a
     * row whose {@link RowFingerprint} differs from the one stored with its vector (its image URL
     * or revision changed) is not held, so the build embeds it again. Rows stored without a
     * fingerprint (before they were kept) count as unchanged; {@link RowFingerprint#UNKNOWN} asks
     * about the id alone.
     */
    public boolean holds(String catalogId, long fingerprint) {
        long faissId = FaissIds.of(catalogId);
        for (Map.Entry<IndexType, OpenTypeIndex> entry : types.entrySet()) {
            OpenTypeIndex index = entry.getValue();
            if (!index.contains(faissId) || changed(entry.getKey(), index, faissId, fingerprint)) {
                return false;
            }
        }
        return true;
    }

    private boolean changed(IndexType type, OpenTypeIndex index, long faissId, long fingerprint) {
        if (fingerprint == RowFingerprint.UNKNOWN) {
            return false;
        }
        long stored = index.fingerprint(faissId, dead(type));
        return stored != RowFingerprint.UNKNOWN && stored != fingerprint;
    }

    /** Whether the vector of an id in a file of the type is recorded as deleted. */
    private java.util.function.BiPredicate<String, Long> dead(IndexType type) {
        return (file, faissId) -> tombstoneKeys.contains(tombstoneKey(type.key(), file, faissId));
    }

    /** The failure recorded for this catalogue id, by this run or an earlier one. */
    public Optional<FailureRecord> failure(String catalogId) {
        return failures.get(catalogId);
    }

    /** Records that an image failed, counting the attempts across runs. */
    public void fail(
            String catalogId, String url, FailureReason reason, String detail, Instant at) {
        failures.fail(catalogId, url, reason, detail, at);
    }

    /**
     * Adds one batch: for each index type, {@code catalogIds.size()} row-major vectors. Ids an
     * index already holds are skipped; earlier failures of these ids are forgotten.
     */
    public void append(long batch, Map<IndexType, float[]> vectors, List<String> catalogIds) {
        append(batch, vectors, catalogIds, new long[catalogIds.size()], Instant.now());
    }

    /**
     * Adds one batch, each row with its {@link RowFingerprint}. A row an index type already holds
     * under another fingerprint is an update: its old vector becomes a tombstone and the new one is
     * added, in the same commit, so a kill leaves either both or neither. When the old vector is in
     * the open shard, that type's open shard is restored again from its segments without it, so the
     * shard it seals into never holds the old vector.
     */
    public void append(
            long batch,
            Map<IndexType, float[]> vectors,
            List<String> catalogIds,
            long[] fingerprints,
            Instant at) {
        long[] ids = new long[catalogIds.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = FaissIds.of(catalogIds.get(i));
            failures.clear(catalogIds.get(i));
        }
        retireUpdated(ids, catalogIds, fingerprints, at);
        types.forEach(
                (type, index) ->
                        collect(
                                index.append(
                                        batch,
                                        vectors.get(type),
                                        ids,
                                        catalogIds,
                                        fingerprints,
                                        events),
                                type));
    }

    /** Records the old vectors of the batch's updated rows as tombstones. */
    private void retireUpdated(
            long[] ids, List<String> catalogIds, long[] fingerprints, Instant at) {
        StorageClient storage = location.storage();
        IndexLayout layout = location.layout();
        int updated = 0;
        for (IndexType type : List.copyOf(types.keySet())) {
            boolean reopen = false;
            for (int row = 0; row < ids.length; row++) {
                OpenTypeIndex index = types.get(type);
                if (!index.contains(ids[row])
                        || !changed(type, index, ids[row], fingerprints[row])) {
                    continue;
                }
                for (String file :
                        index.liveFiles(
                                ids[row],
                                catalogIds.get(row),
                                dead(type),
                                key -> storage.get(layout.absolute(key)))) {
                    reopen |= index.isOpenSegment(file);
                    if (tombstone(type, file, ids[row], catalogIds.get(row), at)) {
                        updated++;
                    }
                }
            }
            if (reopen) {
                reopen(type);
            }
        }
        if (updated > 0) {
            log.info(
                    "{} stored vector(s) of rows whose image changed are now tombstones in {}",
                    updated,
                    location.description());
        }
    }

    /**
     * Restores one type's open shard again from its committed segments, leaving out the vectors now
     * dead: the writer's copy of an updated row's old vector must not reach a sealed shard.
     */
    private void reopen(IndexType type) {
        if (!pending.isEmpty()) {
            throw new IllegalStateException("an open shard is restored only between commits");
        }
        OpenTypeIndex old = types.get(type);
        OpenTypeIndex fresh = reopener.reopen(type, old.state(), List.copyOf(tombstones));
        types.put(type, fresh);
        old.close();
    }

    /**
     * Merges the open segments of each type that has more than {@code fsb.shard.merge-tail-above}
     * ({@link TailMerge}), for the end of a job: the next job then restores a few objects per type
     * instead of two or three per batch of every job since the shard opened. The next commit makes
     * it durable; nothing is appended after it. Returns the first batch number still free, which
     * that commit records.
     */
    public long mergeOpenSegments(long firstFreeBatch) {
        return tailMerger.merge(this, firstFreeBatch);
    }

    /** Merges the open segments of an index; see {@link TailMerge}. */
    @FunctionalInterface
    interface TailMerger {
        long merge(OpenIndex index, long firstFreeBatch);
    }

    /** Opens one type again from its state, as {@link StoredIndex} opened it. */
    @FunctionalInterface
    interface Reopener {
        OpenTypeIndex reopen(IndexType type, IndexProgress state, List<TombstoneRecord> tombstones);
    }

    /**
     * Ends a job. The open shards stay open: their batches are stored as segments already, the
     * manifest names them, and the next job restores and fills them further, so an incremental job
     * that adds a few rows does not leave a tiny sealed shard behind. A shard is sealed only when
     * full (or by a compaction), or when a trained factory reaches the end of the catalogue before
     * its training sample and trains on what there is.
     *
     * @param catalogueEnded whether the job read its catalogue to the end (not cut by a limit)
     */
    public void finish(boolean catalogueEnded) {
        types.values()
                .forEach(index -> collect(index.finish(catalogueEnded, events), index.type()));
    }

    /**
     * Seals every open shard that holds anything (what a job did at its end before tails stayed
     * open).
     */
    public void sealOpenShards() {
        types.values().forEach(index -> collect(index.sealOpenShard(events), index.type()));
    }

    /** FAISS ids of the catalogue rows this run read, for {@link #retireUnseen}. */
    private long[] seen = new long[1024];

    private int seenCount;

    /** Notes that the run read this catalogue row (whether or not it needs work). */
    public void seen(String catalogId) {
        if (seenCount == seen.length) {
            seen = Arrays.copyOf(seen, seen.length * 2);
        }
        seen[seenCount++] = FaissIds.of(catalogId);
    }

    /**
     * For a run that read its whole catalogue: records every stored vector whose row it did not
     * read (the row is gone from the catalogue) as a tombstone, as a delete would. Reads the id
     * files of every shard and open segment; returns the vectors retired.
     */
    public int retireUnseen(Instant at) {
        long[] read = Arrays.copyOf(seen, seenCount);
        Arrays.sort(read);
        IndexLayout layout = location.layout();
        StorageClient storage = location.storage();
        int retired = 0;
        for (Map.Entry<IndexType, OpenTypeIndex> entry : types.entrySet()) {
            IndexProgress state = entry.getValue().state();
            List<String[]> files = new ArrayList<>();
            state.sealedShards()
                    .forEach(shard -> files.add(new String[] {shard.file(), shard.idsFile()}));
            state.openSegments()
                    .forEach(
                            segment -> files.add(new String[] {segment.file(), segment.idsFile()}));
            for (String[] file : files) {
                for (IdFile.Entry row : IdFile.read(storage.get(layout.absolute(file[1])))) {
                    if (Arrays.binarySearch(read, row.faissId()) < 0
                            && tombstone(
                                    entry.getKey(), file[0], row.faissId(), row.catalogId(), at)) {
                        retired++;
                    }
                }
            }
        }
        if (retired > 0) {
            log.info(
                    "{} stored vector(s) of rows gone from the catalogue are now tombstones in {}",
                    retired,
                    location.description());
        }
        return retired;
    }

    /** Deleted vectors still stored, as the next commit records them. */
    public List<TombstoneRecord> tombstones() {
        return List.copyOf(tombstones);
    }

    /**
     * Records the vector of {@code faissId} in {@code file} (a shard or segment of the type) as
     * dead; the id is no longer held by that type unless a later batch stores it again. Returns
     * false when it was dead already.
     */
    boolean tombstone(IndexType type, String file, long faissId, String catalogId, Instant at) {
        if (!tombstoneKeys.add(tombstoneKey(type.key(), file, faissId))) {
            return false;
        }
        tombstones.add(new TombstoneRecord(type.key(), file, faissId, catalogId, at, false));
        types.get(type).deleted(faissId);
        return true;
    }

    /** The open index of one type, for the maintenance operations of this package. */
    OpenTypeIndex typeIndex(IndexType type) {
        return types.get(type);
    }

    /**
     * Uploads an immutable object now, ahead of the commit that names it: a compaction writes shard
     * after shard this way, holding one in memory. Until progress names it, it is an orphan that
     * the next open removes.
     */
    void storeNow(PendingObject object) {
        upload(location.storage(), object);
    }

    /**
     * Takes a compaction's result for one type: the new state, the keys it made obsolete (deleted
     * after the manifest that no longer names them is published), and the files whose tombstones it
     * applied.
     */
    void compacted(
            IndexType type,
            IndexProgress state,
            dev.faissshard.shard.ShardWriter writer,
            List<String> obsoleteKeys,
            List<String> clearedFiles) {
        types.get(type).compacted(state, writer);
        obsolete.addAll(obsoleteKeys);
        clear(type, clearedFiles);
    }

    /**
     * Takes a tail merge's result for one type ({@link TailMerge}, which stored its new segments
     * already): the state naming them, the old segment keys to delete after the manifest, the files
     * whose tombstones it applied, and the first batch number its segments leave free, which the
     * next commit records at least.
     */
    void tailMerged(
            IndexType type,
            IndexProgress state,
            List<String> obsoleteKeys,
            List<String> clearedFiles,
            long freeBatch) {
        types.get(type).compacted(state, null);
        obsolete.addAll(obsoleteKeys);
        clear(type, clearedFiles);
        reservedBatch = Math.max(reservedBatch, freeBatch);
    }

    /**
     * Makes everything since the last commit durable, in the order this class describes; returns
     * the progress now in storage.
     */
    public Progress commit(long nextBatch, Instant now) {
        return commit(nextBatch, now, false);
    }

    /** Whether a failure recorded in this index is one a later job would retry. */
    public boolean hasTransientFailures() {
        return failures.hasTransient();
    }

    /**
     * {@link #commit(long, Instant)}, with the manifest marked {@code complete} when the job has
     * processed every catalogue row of its index to the end.
     */
    public Progress commit(long nextBatch, Instant now, boolean complete) {
        nextBatch = Math.max(nextBatch, reservedBatch);
        StorageClient storage = location.storage();
        IndexLayout layout = location.layout();
        for (PendingObject object : List.copyOf(pending)) {
            upload(storage, object);
            pending.remove(0);
            object.body().close();
        }
        Map<String, IndexProgress> indexes = new TreeMap<>(committed.indexes());
        types.forEach((type, index) -> indexes.put(type.key(), index.state()));
        FailureLog.Written written =
                failures.commit(storage, sealedSinceCommit || complete, events);
        sealedSinceCommit = false;
        Progress next =
                new Progress(
                        Progress.FORMAT_VERSION,
                        now,
                        nextBatch,
                        indexes,
                        Map.of(),
                        written.records(),
                        committed.shardChunks(),
                        tombstones,
                        written.chunks(),
                        written.transientFailures());
        long start = System.nanoTime();
        ProgressStore.Saved saved = progressStore.save(layout, storage, next, committed);
        if (saved.chunkBytes() > 0) {
            events.uploaded("shard-records", saved.chunkBytes(), 0);
        }
        if (saved.failureListBytes() > 0) {
            events.uploaded("failures", saved.failureListBytes(), 0);
        }
        events.uploaded("progress", saved.progressBytes(), System.nanoTime() - start);
        committed = saved.progress();
        start = System.nanoTime();
        long manifestBytes = manifests.publish(layout, indexes, storage, complete, tombstones);
        events.uploaded("manifest", manifestBytes, System.nanoTime() - start);
        for (String key : written.obsoleteKeys()) {
            // Superseded by the compacted object progress.json now names instead.
            if (FailureLog.isLogKey(layout, key)) {
                storage.delete(key);
            }
        }
        for (String key : List.copyOf(obsolete)) {
            // Keys come from progress.json; only this index's own segment and shard names are ever
            // deleted, even if the stored progress was edited to name something else.
            if (layout.isSegmentKey(key) || layout.isShardKey(key)) {
                storage.delete(key);
            } else {
                log.warn(
                        "Not deleting {}: not a segment of the index at {}",
                        key,
                        location.description());
            }
            obsolete.remove(0);
        }
        return next;
    }

    @Override
    public void close() {
        types.values().forEach(OpenTypeIndex::close);
        // Sealed shards a failed or cancelled job never stored hold their native memory until here.
        pending.forEach(object -> object.body().close());
        pending.clear();
    }

    private void collect(OpenTypeIndex.Changes changes, IndexType type) {
        if (changes.uploads.stream().anyMatch(object -> object.kind().equals("shard"))) {
            sealedSinceCommit = true;
        }
        pending.addAll(changes.uploads);
        obsolete.addAll(changes.obsoleteKeys);
        clear(type, changes.clearedFiles);
        if (!changes.readded.isEmpty()) {
            Set<Long> again = new java.util.HashSet<>(changes.readded);
            tombstones.replaceAll(
                    tombstone ->
                            tombstone.type().equals(type.key())
                                            && !tombstone.readded()
                                            && again.contains(tombstone.faissId())
                                    ? new TombstoneRecord(
                                            tombstone.type(),
                                            tombstone.file(),
                                            tombstone.faissId(),
                                            tombstone.catalogId(),
                                            tombstone.at(),
                                            true)
                                    : tombstone);
        }
    }

    private void clear(IndexType type, List<String> files) {
        if (!files.isEmpty()) {
            Set<String> gone = new java.util.HashSet<>(files);
            tombstones.removeIf(
                    tombstone -> {
                        if (tombstone.type().equals(type.key())
                                && gone.contains(tombstone.file())) {
                            tombstoneKeys.remove(
                                    tombstoneKey(
                                            tombstone.type(),
                                            tombstone.file(),
                                            tombstone.faissId()));
                            return true;
                        }
                        return false;
                    });
        }
    }

    private static String tombstoneKey(String type, String file, long faissId) {
        return type + "\t" + file + "\t" + faissId;
    }

    private void upload(StorageClient storage, PendingObject object) {
        if (!object.immutable()) {
            // Segments are only referenced once progress.json names them, and a run starts by
            // bringing the
            // manifest level with progress, so a leftover of a killed run under the same name is
            // named by
            // neither and is safely overwritten.
            put(storage, object, true);
            return;
        }
        try {
            put(storage, object, false);
        } catch (ObjectAlreadyExistsException ex) {
            if (sameContent(storage, object)) {
                log.info("{} already uploaded by an interrupted run; keeping it", object.key());
                return;
            }
            // Not in progress.json, hence not in the manifest (a run republishes a lagging manifest
            // from
            // progress before writing): no reader can be following it.
            log.warn(
                    "{} is a leftover of an interrupted run with different content; replacing it",
                    object.key());
            put(storage, object, true);
        }
        if (object.kind().equals("shard")) {
            log.info("Sealed {} ({} bytes)", object.key(), object.body().size());
        }
    }

    /**
     * Whether the stored object holds the body's bytes; read as a stream and hashed, since a shard
     * read whole onto the heap is what {@link ObjectBody} avoids.
     */
    private static boolean sameContent(StorageClient storage, PendingObject object) {
        MessageDigest digest = Sha256.digest();
        long size = 0;
        try (InputStream in = storage.open(object.key())) {
            byte[] chunk = new byte[64 * 1024];
            for (int read = in.read(chunk); read >= 0; read = in.read(chunk)) {
                digest.update(chunk, 0, read);
                size += read;
            }
        } catch (IOException ex) {
            throw new StorageException(
                    "Cannot read " + object.key() + " back: " + ex.getMessage(), ex);
        }
        return size == object.body().size() && Sha256.hex(digest).equals(object.body().sha256());
    }

    private void put(StorageClient storage, PendingObject object, boolean replace) {
        long start = System.nanoTime();
        if (replace) {
            storage.replace(object.key(), object.body(), object.contentType());
        } else {
            storage.create(object.key(), object.body(), object.contentType());
        }
        events.uploaded(object.kind(), object.body().size(), System.nanoTime() - start);
    }
}
