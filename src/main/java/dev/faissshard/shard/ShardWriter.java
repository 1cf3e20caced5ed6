package dev.faissshard.shard;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.IndexProgress;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.index.IdFile;
import dev.faissshard.index.IdSet;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.SegmentRecord;
import dev.faissshard.index.ShardRecord;

/**
 * Appends the vectors of one index type to its open shard, seals the shard when the next vectors would
 * take it past its size or count limit, and makes every batch durable as a small segment object.
 *
 * <p>Crash safety rests on ordering: objects are uploaded first, {@code progress.json} is written after
 * (by the caller), and objects made obsolete by a seal are deleted only after that, via
 * {@link #drainObsoleteKeys()}. An object that exists in storage but is not in progress is an orphan
 * of a killed run: segments are overwritten freely, and a sealed shard is re-uploaded only if its bytes
 * differ (it was never published, so no reader can have seen it).
 *
 * <p>Not thread-safe: one writer per index type, driven by the job's thread.
 */
public final class ShardWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ShardWriter.class);
    private static final String FAISS_TYPE = "application/octet-stream";
    private static final String TSV_TYPE = "text/tab-separated-values";

    private final IndexType type;
    private final ModelInfo model;
    private final ShardSettings settings;
    private final long capacity;
    private final IndexLayout layout;
    private final StorageClient storage;
    private final ShardEvents events;
    private final Clock clock;
    private final IdSet indexedIds;
    private final List<String> obsoleteKeys = new ArrayList<>();

    private IndexProgress state;
    private FaissIndex open;
    private final List<IdFile.Entry> openEntries = new ArrayList<>();

    ShardWriter(IndexType type, ModelInfo model, ShardSettings settings, ShardSizeModel sizeModel, IndexLayout layout,
            StorageClient storage, ShardEvents events, Clock clock, IndexProgress state, IdSet indexedIds) {
        this.type = type;
        this.model = model;
        this.settings = settings;
        long byBytes = sizeModel.capacity(settings.maxBytes());
        this.capacity = settings.maxVectors() > 0 ? Math.min(byBytes, settings.maxVectors()) : byBytes;
        this.layout = layout;
        this.storage = storage;
        this.events = events;
        this.clock = clock;
        this.state = state;
        this.indexedIds = indexedIds;
        this.open = newIndex();
    }

    public IndexType type() {
        return type;
    }

    /** The state to record in {@code progress.json} after the current batch. */
    public IndexProgress state() {
        return state;
    }

    /** Whether this index already holds the id (in a sealed shard, a flushed segment or this batch). */
    public boolean contains(long faissId) {
        return indexedIds.contains(faissId);
    }

    /** Vectors in the open shard. */
    public long openVectors() {
        return open.count();
    }

    /**
     * Adds one batch's vectors (row-major), sealing shards as they fill, and uploads the part that stays
     * in the open shard as a segment. Rows whose id is already indexed are skipped.
     */
    public void append(long batch, float[] vectors, long[] ids, List<String> catalogIds) {
        int dimension = model.dimension();
        int rows = ids.length;
        List<Integer> keep = new ArrayList<>(rows);
        for (int row = 0; row < rows; row++) {
            if (indexedIds.add(ids[row])) {
                keep.add(row);
            }
        }
        int offset = 0;
        int segmentStart = 0;
        while (offset < keep.size()) {
            long room = capacity - open.count();
            if (room <= 0) {
                seal();
                segmentStart = offset;
                continue;
            }
            int take = (int) Math.min(room, keep.size() - offset);
            addRows(vectors, ids, catalogIds, keep.subList(offset, offset + take), dimension);
            offset += take;
        }
        if (segmentStart < keep.size() && open.count() > 0) {
            writeSegment(batch, vectors, ids, catalogIds, keep.subList(segmentStart, keep.size()), dimension);
        }
    }

    /** Seals the open shard if it holds anything; used when a job reaches the end of its catalogue. */
    public void sealOpenShard() {
        if (open.count() > 0) {
            seal();
        }
    }

    /** Keys made obsolete since the last call; delete them only once progress no longer names them. */
    public List<String> drainObsoleteKeys() {
        List<String> keys = List.copyOf(obsoleteKeys);
        obsoleteKeys.clear();
        return keys;
    }

    @Override
    public void close() {
        open.close();
    }

    void restoreSegment(FaissIndex.ExportedVectors segment, List<IdFile.Entry> entries) {
        open.addWithIds(segment.vectors(), segment.ids());
        openEntries.addAll(entries);
        for (long id : segment.ids()) {
            indexedIds.add(id);
        }
    }

    private void addRows(float[] vectors, long[] ids, List<String> catalogIds, List<Integer> rows, int dimension) {
        float[] chunk = new float[rows.size() * dimension];
        long[] chunkIds = new long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            int row = rows.get(i);
            System.arraycopy(vectors, row * dimension, chunk, i * dimension, dimension);
            chunkIds[i] = ids[row];
            openEntries.add(new IdFile.Entry(ids[row], catalogIds.get(row)));
        }
        long start = System.nanoTime();
        open.addWithIds(chunk, chunkIds);
        events.added(type, rows.size(), System.nanoTime() - start);
    }

    private void writeSegment(long batch, float[] vectors, long[] ids, List<String> catalogIds, List<Integer> rows,
            int dimension) {
        List<IdFile.Entry> entries = new ArrayList<>(rows.size());
        float[] chunk = new float[rows.size() * dimension];
        long[] chunkIds = new long[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            int row = rows.get(i);
            System.arraycopy(vectors, row * dimension, chunk, i * dimension, dimension);
            chunkIds[i] = ids[row];
            entries.add(new IdFile.Entry(ids[row], catalogIds.get(row)));
        }
        byte[] data;
        try (FaissIndex segment = FaissIndex.create(dimension, "IDMap,Flat", settings.metric())) {
            segment.addWithIds(chunk, chunkIds);
            data = serialize(segment);
        }
        int shard = state.openShard();
        String key = layout.segmentKey(type, shard, batch);
        String idsKey = layout.segmentIdsKey(type, shard, batch);
        // Segments are only referenced once progress.json names them, and a run starts by bringing the
        // manifest level with progress, so a leftover of a killed run under the same name is named by
        // neither and is safely overwritten.
        upload("ids", idsKey, IdFile.write(entries), TSV_TYPE, true);
        upload("segment", key, data, FAISS_TYPE, true);
        List<SegmentRecord> segments = new ArrayList<>(state.openSegments());
        segments.add(new SegmentRecord(batch, layout.relative(key), layout.relative(idsKey), rows.size(), data.length,
                Sha256.hex(data), Arrays.stream(chunkIds).min().orElseThrow(), Arrays.stream(chunkIds).max().orElseThrow()));
        state = new IndexProgress(state.model(), state.metric(), state.factory(), state.sealedShards(), shard, segments);
    }

    private void seal() {
        int shard = state.openShard();
        byte[] data = serialize(open);
        String sha256 = Sha256.hex(data);
        String key = layout.shardKey(type, shard);
        String idsKey = layout.shardIdsKey(type, shard);
        uploadImmutable("ids", idsKey, IdFile.write(openEntries), TSV_TYPE);
        uploadImmutable("shard", key, data, FAISS_TYPE);
        long min = openEntries.stream().mapToLong(IdFile.Entry::faissId).min().orElse(0);
        long max = openEntries.stream().mapToLong(IdFile.Entry::faissId).max().orElse(0);
        ShardRecord record = new ShardRecord(shard, layout.relative(key), layout.relative(idsKey), open.count(),
                data.length, sha256, min, max, clock.instant());
        for (SegmentRecord segment : state.openSegments()) {
            obsoleteKeys.add(layout.absolute(segment.file()));
            obsoleteKeys.add(layout.absolute(segment.idsFile()));
        }
        List<ShardRecord> sealed = new ArrayList<>(state.sealedShards());
        sealed.add(record);
        state = new IndexProgress(state.model(), state.metric(), state.factory(), sealed, shard + 1, List.of());
        open.close();
        open = newIndex();
        openEntries.clear();
        events.sealed(type, record);
        log.info("Sealed {} ({} vectors, {} bytes)", key, record.vectors(), record.bytes());
    }

    private void uploadImmutable(String kind, String key, byte[] data, String contentType) {
        try {
            upload(kind, key, data, contentType, false);
        }
        catch (ObjectAlreadyExistsException ex) {
            byte[] existing = storage.get(key);
            if (Arrays.equals(existing, data)) {
                log.info("{} already uploaded by an interrupted run; keeping it", key);
                return;
            }
            // Not in progress.json, hence not in the manifest (a run republishes a lagging manifest from
            // progress before writing): no reader can be following it.
            log.warn("{} is a leftover of an interrupted run with different content; replacing it", key);
            upload(kind, key, data, contentType, true);
        }
    }

    private void upload(String kind, String key, byte[] data, String contentType, boolean replace) {
        long start = System.nanoTime();
        if (replace) {
            storage.replace(key, data, contentType);
        }
        else {
            storage.create(key, data, contentType);
        }
        events.uploaded(kind, data.length, System.nanoTime() - start);
    }

    private byte[] serialize(FaissIndex index) {
        long start = System.nanoTime();
        byte[] data = index.toBytes();
        events.serialized(data.length, System.nanoTime() - start);
        return data;
    }

    private FaissIndex newIndex() {
        FaissIndex index = FaissIndex.create(model.dimension(), settings.factory(), settings.metric());
        // The shard never holds more than its capacity, so room for all of it up front spares the copy
        // (and the moment of double memory) each time FAISS would otherwise grow its arrays.
        index.reserve(capacity);
        return index;
    }
}
