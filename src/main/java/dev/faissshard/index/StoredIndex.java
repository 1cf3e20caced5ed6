package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.ShardSettings;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
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
        IndexCompatibility.check(location.description(), progress, models, writers.settings());
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
                    if (manifests.republishIfStale(layout, progress.indexes(), store)) {
                        log.info(
                                "Republished {} from {}: an interrupted run wrote progress but not the manifest",
                                layout.manifestKey(),
                                layout.progressKey());
                    }
                });
        Progress progress = stored.orElseGet(Progress::empty);
        removeOrphans(location, progress);
        ShardSettings settings = writers.settings();
        IndexCompatibility.check(location.description(), progress, models, settings);
        writers.checkFits(store);
        Map<IndexType, OpenTypeIndex> open = new EnumMap<>(IndexType.class);
        try {
            models.forEach(
                    (type, model) -> {
                        IndexProgress state = progress.indexes().get(type.key());
                        if (state == null
                                || state.vectors() == 0 && state.sealedShards().isEmpty()) {
                            state =
                                    IndexProgress.empty(
                                            model, settings.metric().name(), settings.factory());
                        }
                        open.put(type, openType(location, type, model, state));
                    });
        } catch (RuntimeException ex) {
            open.values().forEach(OpenTypeIndex::close);
            throw ex;
        }
        return new OpenIndex(location, progress, open, progressStore, manifests, events);
    }

    /**
     * Opens one index type where the last run left it: loads the ids of sealed shards (from their
     * id files, not the shards) and rebuilds the open shard from its flushed segments, checking
     * each segment's checksum.
     */
    private OpenTypeIndex openType(
            IndexLocation location, IndexType type, ModelInfo model, IndexProgress state) {
        IndexLayout layout = location.layout();
        StorageClient store = location.storage();
        IdSet ids = new IdSet();
        for (ShardRecord shard : state.sealedShards()) {
            for (IdFile.Entry entry : IdFile.read(store.get(layout.absolute(shard.idsFile())))) {
                ids.add(entry.faissId());
            }
        }
        ShardWriter writer = writers.open(model.dimension());
        OpenTypeIndex index = new OpenTypeIndex(type, layout, writer, ids, state, clock);
        try {
            for (SegmentRecord segment : state.openSegments()) {
                byte[] data = store.get(layout.absolute(segment.file()));
                if (!Sha256.hex(data).equals(segment.sha256())) {
                    throw new IllegalStateException(
                            "Segment "
                                    + segment.file()
                                    + " does not match the checksum recorded in progress.json; storage was modified");
                }
                List<IdFile.Entry> entries =
                        IdFile.read(store.get(layout.absolute(segment.idsFile())));
                try (VectorIndex flushed = writers.indexes().fromBytes(data)) {
                    index.restoreSegment(flushed.export(), entries);
                }
            }
        } catch (RuntimeException ex) {
            index.close();
            throw ex;
        }
        return index;
    }

    /**
     * Deletes open-shard segments that a killed run uploaded but never recorded. Only names of this
     * index's own segment scheme directly under its {@code faiss/open/} are candidates: anything
     * else there (another index, made at a prefix inside this one before such prefixes were
     * refused, or an operator's file) is not this index's to delete, and neither is whatever the
     * manifest names.
     */
    private void removeOrphans(IndexLocation location, Progress progress) {
        IndexLayout layout = location.layout();
        StorageClient store = location.storage();
        Set<String> referenced = new HashSet<>(manifests.publishedKeys(layout, store));
        for (IndexProgress index : progress.indexes().values()) {
            for (SegmentRecord segment : index.openSegments()) {
                referenced.add(layout.absolute(segment.file()));
                referenced.add(layout.absolute(segment.idsFile()));
            }
        }
        for (StoredObject object : store.list(layout.openPrefix())) {
            if (layout.isSegmentKey(object.key()) && !referenced.contains(object.key())) {
                log.info("Removing {}, left over by an interrupted run", object.key());
                store.delete(object.key());
            }
        }
    }
}
