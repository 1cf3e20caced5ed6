package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.failure.Causes;
import dev.faissshard.shard.ShardSettings;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.shard.VectorIndexes;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The index as stored: {@code progress.json}, the manifest and the shard and segment objects they
 * name. {@link #open} reads it once for a run (progress, compatibility, leftovers, writers) into an
 * {@link OpenIndex}, whose commit owns the write order.
 */
@Component
public class StoredIndex {

    private static final Logger log = LoggerFactory.getLogger(StoredIndex.class);

    /** Threads fetching and decoding a resumed index's objects: round trips, mostly waiting. */
    private static final int LOADERS = 8;

    /** Segments fetched ahead of the one being restored; each is at most one batch of vectors. */
    private static final int LOAD_AHEAD = 16;

    /**
     * Bytes of segments fetched ahead at most (one segment always). A merged tail segment is
     * several batches' worth, and each one in flight costs its bytes and its vectors on the heap:
     * sixteen of them ran the documented 128 MB heap out of memory.
     */
    static final long LOAD_AHEAD_BYTES = 16L << 20;

    private final StorageClient storage;
    private final ProgressStore progressStore;
    private final ManifestPublisher manifests;
    private final ShardWriterFactory writers;
    private final Clock clock;

    public StoredIndex(
            StorageClient storage,
            ProgressStore progressStore,
            ManifestPublisher manifests,
            ShardWriterFactory writers,
            Clock clock) {
        this.storage = storage;
        this.progressStore = progressStore;
        this.manifests = manifests;
        this.writers = writers;
        this.clock = clock;
    }

    /** The index under this layout in the configured store. */
    public IndexLocation locate(IndexLayout layout) {
        return new IndexLocation(storage, layout);
    }

    /**
     * Refuses, before a job is accepted, what would make it fail at once: models or shard settings
     * that differ from what the index holds, shards the store would refuse, a factory that cannot
     * build shards. {@link #open} checks again, since a queued job may start long after another
     * process wrote.
     */
    public void checkCompatible(IndexLocation location, Map<IndexType, ModelInfo> models) {
        Progress progress =
                progressStore
                        .load(location.layout(), location.storage())
                        .orElseGet(Progress::empty);
        IndexCompatibility.check(location.description(), progress, models, writers::settings);
        writers.checkFits(location.storage());
        models.values().forEach(model -> writers.sizeModel(model.dimension()));
    }

    /**
     * Opens the index for a run: loads progress, brings the manifest level with it (a run killed
     * between the two writes leaves the manifest one batch behind, still naming segments progress
     * no longer does), and only then removes what neither names. So a reader following the manifest
     * finds every object it names at any instant. Then checks the models against what the index
     * holds and rebuilds each open shard from its flushed segments.
     */
    public OpenIndex open(
            IndexLocation location, Map<IndexType, ModelInfo> models, IndexEvents events) {
        IndexLayout layout = location.layout();
        StorageClient store = location.storage();
        Optional<Progress> stored = progressStore.load(layout, store);
        stored.ifPresent(
                progress -> {
                    if (manifests.republishIfStale(
                            layout, progress.indexes(), progress.tombstones(), store)) {
                        log.info(
                                "Republished {} from {}: an interrupted run wrote progress but not the manifest",
                                layout.manifestKey(),
                                layout.progressKey());
                    }
                });
        Progress progress = stored.orElseGet(Progress::empty);
        removeOrphans(location, progress);
        ShardSettings settings = writers.settings();
        IndexCompatibility.check(location.description(), progress, models, writers::settings);
        writers.checkFits(store);
        Map<IndexType, OpenTypeIndex> open = new EnumMap<>(IndexType.class);
        ExecutorService loaders = loaders();
        try {
            models.forEach(
                    (type, model) -> {
                        IndexProgress state = progress.indexes().get(type.key());
                        if (state == null
                                || state.vectors() == 0 && state.sealedShards().isEmpty()) {
                            state =
                                    IndexProgress.empty(
                                            model,
                                            settings.metric().name(),
                                            writers.settings(model.dimension()).factory());
                        }
                        open.put(
                                type,
                                openType(
                                        location,
                                        type,
                                        model,
                                        state,
                                        progress.tombstones(),
                                        loaders,
                                        events));
                    });
        } catch (RuntimeException ex) {
            open.values().forEach(OpenTypeIndex::close);
            throw ex;
        } finally {
            loaders.shutdownNow();
        }
        return new OpenIndex(
                location,
                progress,
                open,
                progressStore,
                manifests,
                events,
                (type, state, tombstones) -> reopen(location, type, state, tombstones, events),
                (index, firstFreeBatch) -> TailMerge.merge(index, writers, firstFreeBatch));
    }

    /** One type opened again from its current state (an update's restore of the open shard). */
    private OpenTypeIndex reopen(
            IndexLocation location,
            IndexType type,
            IndexProgress state,
            List<TombstoneRecord> tombstones,
            IndexEvents events) {
        ExecutorService loaders = loaders();
        try {
            return openType(location, type, state.model(), state, tombstones, loaders, events);
        } finally {
            loaders.shutdownNow();
        }
    }

    /**
     * Opens one index type where the last run left it: indexes its sealed shards' id ranges (their
     * ids are read lazily, see {@link DoneIds}) and rebuilds the open shard from its flushed
     * segments, checking each segment's checksum.
     *
     * <p>An open shard of a long build is hundreds of segments, each two objects: fetched one after
     * the other, a resume spent its time waiting on storage round trips (two minutes against
     * Supabase for 100,000 vectors). So objects are fetched, checked and decoded by {@link
     * #LOADERS} threads, up to {@link #LOAD_AHEAD} segments ahead, while this thread restores them
     * into the shard writer in their order.
     */
    private OpenTypeIndex openType(
            IndexLocation location,
            IndexType type,
            ModelInfo model,
            IndexProgress state,
            List<TombstoneRecord> tombstones,
            ExecutorService loaders,
            IndexEvents events) {
        IndexLayout layout = location.layout();
        StorageClient store = location.storage();
        long start = System.nanoTime();
        DoneIds ids = new DoneIds(state.sealedShards(), shards -> readIds(store, layout, shards));
        long idsLoaded = System.nanoTime();
        ShardWriter writer = writers.open(model.dimension(), trainedIndex(store, layout, state));
        Set<Long> deleted = new HashSet<>();
        for (TombstoneRecord tombstone : tombstones) {
            if (tombstone.type().equals(type.key()) && !tombstone.readded()) {
                deleted.add(tombstone.faissId());
            }
        }
        OpenTypeIndex index =
                new OpenTypeIndex(
                        type,
                        layout,
                        writer,
                        ids,
                        state,
                        clock,
                        writers,
                        Tombstones.ofRecords(tombstones, type.key()),
                        deleted,
                        new SealedFingerprints(store, layout));
        long restoreNanos = 0;
        Deque<Future<LoadedSegment>> ahead = new ArrayDeque<>();
        Deque<SegmentRecord> fetching = new ArrayDeque<>();
        try {
            Iterator<SegmentRecord> segments = state.openSegments().iterator();
            long aheadBytes = 0;
            SegmentRecord next = segments.hasNext() ? segments.next() : null;
            while (next != null || !ahead.isEmpty()) {
                while (next != null
                        && ahead.size() < LOAD_AHEAD
                        && (ahead.isEmpty() || aheadBytes + next.bytes() <= LOAD_AHEAD_BYTES)) {
                    SegmentRecord segment = next;
                    ahead.add(loaders.submit(() -> loadSegment(store, layout, segment)));
                    fetching.add(segment);
                    aheadBytes += segment.bytes();
                    next = segments.hasNext() ? segments.next() : null;
                }
                LoadedSegment loaded = await(ahead.poll());
                SegmentRecord segment = fetching.poll();
                aheadBytes -= segment.bytes();
                long restoring = System.nanoTime();
                index.restoreSegment(
                        segment.file(), loaded.vectors(), loaded.entries(), loaded.fingerprints());
                long restored = System.nanoTime() - restoring;
                restoreNanos += restored;
                events.restored(type, segment, restored);
            }
        } catch (RuntimeException ex) {
            ahead.forEach(future -> future.cancel(true));
            index.close();
            throw ex;
        }
        log.info(
                "Opened {} of {}: {} sealed shard(s), {} of them taken as id ranges and the rest"
                        + " left to read when asked, in {} ms; {} open segment(s) in {} ms"
                        + " ({} ms restoring)",
                type.key(),
                location.description(),
                state.sealedShards().size(),
                state.sealedShards().size() - ids.shardsUnread(),
                (idsLoaded - start) / 1_000_000,
                state.openSegments().size(),
                (System.nanoTime() - idsLoaded) / 1_000_000,
                restoreNanos / 1_000_000);
        return index;
    }

    /**
     * The recorded trained index of a trained factory, checked against its sha256, so a resumed run
     * adds to exactly the training its shards were made from; null when none is recorded (the
     * writer then trains, on the same first vectors, as the interrupted run did).
     */
    static byte[] trainedIndex(StorageClient store, IndexLayout layout, IndexProgress state) {
        TrainedRecord trained = state.trained();
        if (trained == null) {
            return null;
        }
        byte[] data = store.get(layout.absolute(trained.file()));
        if (!Sha256.hex(data).equals(trained.sha256())) {
            throw new IllegalStateException(
                    "Trained index "
                            + trained.file()
                            + " does not match the checksum recorded in progress.json; storage was modified");
        }
        return data;
    }

    /**
     * The FAISS ids of sealed shards, from their id files (not the shards), fetched by {@link
     * #LOADERS} threads when there are several: an index of hashed ids reads every shard's at its
     * first question.
     */
    public static List<long[]> readIds(
            StorageClient store, IndexLayout layout, List<ShardRecord> shards) {
        if (shards.size() == 1) {
            return List.of(ids(store, layout, shards.get(0)));
        }
        ExecutorService loaders = loaders();
        try {
            List<Future<long[]>> files = new ArrayList<>();
            for (ShardRecord shard : shards) {
                files.add(loaders.submit(() -> ids(store, layout, shard)));
            }
            List<long[]> ids = new ArrayList<>(files.size());
            for (Future<long[]> file : files) {
                ids.add(await(file));
            }
            return ids;
        } finally {
            loaders.shutdownNow();
        }
    }

    /**
     * A sealed shard's ids: from its done bitmap when it has a sound one (1/8 byte per dense id to
     * fetch), else from its id file.
     */
    private static long[] ids(StorageClient store, IndexLayout layout, ShardRecord shard) {
        if (shard.doneBitmap() != null) {
            String key = layout.absolute(shard.doneBitmap());
            Optional<long[]> ids =
                    layout.isShardKey(key)
                            ? store.find(key).flatMap(DoneBitmap::decode)
                            : Optional.empty();
            if (ids.isPresent() && ids.get().length == shard.vectors()) {
                return ids.get();
            }
            log.warn("{} is missing or damaged; reading the shard's id file instead", key);
        }
        List<IdFile.Entry> entries = IdFile.read(store.get(layout.absolute(shard.idsFile())));
        long[] ids = new long[entries.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = entries.get(i).faissId();
        }
        return ids;
    }

    /** One flushed segment, fetched, checked against progress.json and decoded. */
    /** A segment read back: its vectors, id file and fingerprints (null when it has none). */
    record LoadedSegment(
            VectorIndex.Exported vectors, List<IdFile.Entry> entries, long[] fingerprints) {}

    private LoadedSegment loadSegment(
            StorageClient store, IndexLayout layout, SegmentRecord segment) {
        return loadSegment(store, layout, writers.indexes(), segment);
    }

    /** Reads a segment back, checked against the checksum progress.json records for it. */
    static LoadedSegment loadSegment(
            StorageClient store, IndexLayout layout, VectorIndexes indexes, SegmentRecord segment) {
        byte[] data = store.get(layout.absolute(segment.file()));
        if (!Sha256.hex(data).equals(segment.sha256())) {
            throw new IllegalStateException(
                    "Segment "
                            + segment.file()
                            + " does not match the checksum recorded in progress.json; storage was modified");
        }
        List<IdFile.Entry> entries = IdFile.read(store.get(layout.absolute(segment.idsFile())));
        long[] fingerprints =
                segment.urlsFile() == null
                        ? null
                        : FingerprintFile.read(
                                store.get(layout.absolute(segment.urlsFile())),
                                entries.size(),
                                segment.urlsFile());
        try (VectorIndex flushed = indexes.fromBytes(data)) {
            return new LoadedSegment(flushed.export(), entries, fingerprints);
        }
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException ex) {
            throw Causes.unchecked(ex, "opening the index failed");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while opening the index", ex);
        }
    }

    private static ExecutorService loaders() {
        AtomicInteger count = new AtomicInteger();
        return Executors.newFixedThreadPool(
                LOADERS,
                work -> {
                    Thread thread = new Thread(work, "index-open-" + count.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    /**
     * Deletes open-shard segments that a killed run uploaded but never recorded, and sealed shards
     * that neither progress nor the manifest names (a compaction killed after its progress but
     * before it deleted the shards it replaced, or a shard uploaded by a run killed before its
     * progress). Only names of this index's own segment and shard schemes directly under its {@code
     * faiss/open/} and {@code faiss/} are candidates: anything else there (another index, made at a
     * prefix inside this one before such prefixes were refused, or an operator's file) is not this
     * index's to delete, and neither is whatever the manifest names.
     */
    private void removeOrphans(IndexLocation location, Progress progress) {
        IndexLayout layout = location.layout();
        StorageClient store = location.storage();
        Set<String> referenced = new HashSet<>(manifests.publishedKeys(layout, store));
        for (IndexProgress index : progress.indexes().values()) {
            for (SegmentRecord segment : index.openSegments()) {
                referenced.add(layout.absolute(segment.file()));
                referenced.add(layout.absolute(segment.idsFile()));
                if (segment.urlsFile() != null) {
                    referenced.add(layout.absolute(segment.urlsFile()));
                }
            }
            for (ShardRecord shard : index.sealedShards()) {
                referenced.add(layout.absolute(shard.file()));
                referenced.add(layout.absolute(shard.idsFile()));
                if (shard.doneBitmap() != null) {
                    referenced.add(layout.absolute(shard.doneBitmap()));
                }
                if (shard.urlsFile() != null) {
                    referenced.add(layout.absolute(shard.urlsFile()));
                }
            }
        }
        String shardFolder = layout.absolute("faiss/");
        for (StoredObject object : store.list(shardFolder)) {
            String name =
                    object.key().substring(Math.min(object.key().length(), shardFolder.length()));
            if (!name.contains("/")
                    && layout.isShardKey(object.key())
                    && !referenced.contains(object.key())) {
                log.info("Removing {}, a shard no longer named by the index", object.key());
                store.delete(object.key());
            }
        }
        for (StoredObject object : store.list(layout.openPrefix())) {
            if (layout.isSegmentKey(object.key()) && !referenced.contains(object.key())) {
                log.info("Removing {}, left over by an interrupted run", object.key());
                store.delete(object.key());
            }
        }
        Set<String> logs = new HashSet<>();
        progress.failureLog().forEach(record -> logs.add(layout.absolute(record.file())));
        progress.failureChunks().forEach(chunk -> logs.add(layout.absolute(chunk.file())));
        progress.shardChunks().values().stream()
                .flatMap(List::stream)
                .forEach(chunk -> logs.add(layout.absolute(chunk.file())));
        progress.lists().failures().forEach(list -> logs.add(layout.absolute(list.file())));
        progress.lists().shards().values().stream()
                .flatMap(List::stream)
                .forEach(list -> logs.add(layout.absolute(list.file())));
        for (StoredObject object : store.list(layout.absolute(ProgressStore.CHUNK_FOLDER))) {
            if ((ProgressStore.isChunkKey(layout, object.key())
                            || ProgressStore.isChunkListKey(layout, object.key()))
                    && !logs.contains(object.key())) {
                log.info("Removing {}, left over by an interrupted run", object.key());
                store.delete(object.key());
            }
        }
        for (StoredObject object : store.list(layout.absolute(ManifestPublisher.LIST_FOLDER))) {
            // Shard lists a publish wrote before a kill stopped it publishing the manifest naming
            // them, or superseded ones it had not deleted yet.
            if (ManifestPublisher.isListKey(layout, object.key())
                    && !referenced.contains(object.key())) {
                log.info("Removing {}, a shard list no longer named by the manifest", object.key());
                store.delete(object.key());
            }
        }
        for (StoredObject object : store.list(layout.absolute(FailureLog.FOLDER))) {
            if ((FailureLog.isLogKey(layout, object.key())
                            || FailureLog.isChunkKey(layout, object.key())
                            || FailureLog.isChunkListKey(layout, object.key()))
                    && !logs.contains(object.key())) {
                log.info("Removing {}, left over by an interrupted run", object.key());
                store.delete(object.key());
            }
        }
    }
}
