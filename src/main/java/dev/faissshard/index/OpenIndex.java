package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.StorageClient;
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
    private final FailureLog failures;

    /** Whether a shard was sealed since the last commit: the failure log is compacted then. */
    private boolean sealedSinceCommit;

    /**
     * Uploads wait here until the commit that ends their batch. A sealed shard waits as its
     * serialized bytes while its native index is already freed, so memory holds one copy of it
     * either way.
     */
    private final List<PendingObject> pending = new ArrayList<>();

    private final List<String> obsolete = new ArrayList<>();
    private Progress committed;

    OpenIndex(
            IndexLocation location,
            Progress progress,
            Map<IndexType, OpenTypeIndex> types,
            ProgressStore progressStore,
            ManifestPublisher manifests,
            IndexEvents events) {
        this.location = location;
        this.committed = progress;
        this.types = Collections.unmodifiableMap(new EnumMap<>(types));
        this.failures =
                progressStore.openFailureLog(location.layout(), location.storage(), progress);
        this.progressStore = progressStore;
        this.manifests = manifests;
        this.events = events;
    }

    public IndexLocation location() {
        return location;
    }

    public Set<IndexType> types() {
        return types.keySet();
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
        long faissId = FaissIds.of(catalogId);
        for (OpenTypeIndex index : types.values()) {
            if (!index.contains(faissId)) {
                return false;
            }
        }
        return true;
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
        long[] ids = new long[catalogIds.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = FaissIds.of(catalogIds.get(i));
            failures.clear(catalogIds.get(i));
        }
        types.forEach(
                (type, index) ->
                        collect(index.append(batch, vectors.get(type), ids, catalogIds, events)));
    }

    /**
     * Seals every open shard that holds anything; used when a job reaches the end of its catalogue.
     */
    public void sealOpenShards() {
        types.values().forEach(index -> collect(index.sealOpenShard(events)));
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
        StorageClient storage = location.storage();
        IndexLayout layout = location.layout();
        for (PendingObject object : List.copyOf(pending)) {
            upload(storage, object);
            pending.remove(0);
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
                        committed.shardChunks());
        long start = System.nanoTime();
        ProgressStore.Saved saved = progressStore.save(layout, storage, next, committed);
        if (saved.chunkBytes() > 0) {
            events.uploaded("shard-records", saved.chunkBytes(), 0);
        }
        events.uploaded("progress", saved.progressBytes(), System.nanoTime() - start);
        committed = saved.progress();
        start = System.nanoTime();
        long manifestBytes = manifests.publish(layout, indexes, storage, complete);
        events.uploaded("manifest", manifestBytes, System.nanoTime() - start);
        for (String key : written.obsoleteKeys()) {
            // Superseded by the compacted object progress.json now names instead.
            if (FailureLog.isLogKey(layout, key)) {
                storage.delete(key);
            }
        }
        for (String key : List.copyOf(obsolete)) {
            // Keys come from progress.json; only this index's own segment names are ever deleted,
            // even
            // if the stored progress was edited to name something else.
            if (layout.isSegmentKey(key)) {
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
    }

    private void collect(OpenTypeIndex.Changes changes) {
        if (changes.uploads.stream().anyMatch(object -> object.kind().equals("shard"))) {
            sealedSinceCommit = true;
        }
        pending.addAll(changes.uploads);
        obsolete.addAll(changes.obsoleteKeys);
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
            byte[] existing = storage.get(object.key());
            if (Arrays.equals(existing, object.data())) {
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
            log.info("Sealed {} ({} bytes)", object.key(), object.data().length);
        }
    }

    private void put(StorageClient storage, PendingObject object, boolean replace) {
        long start = System.nanoTime();
        if (replace) {
            storage.replace(object.key(), object.data(), object.contentType());
        } else {
            storage.create(object.key(), object.data(), object.contentType());
        }
        events.uploaded(object.kind(), object.data().length, System.nanoTime() - start);
    }
}
