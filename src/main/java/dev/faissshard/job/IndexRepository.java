package dev.faissshard.job;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.progress.FailureRecord;
import dev.faissshard.progress.IndexProgress;
import dev.faissshard.progress.Progress;
import dev.faissshard.progress.ProgressStore;
import dev.faissshard.shard.IndexLayout;
import dev.faissshard.shard.ManifestPublisher;
import dev.faissshard.shard.SegmentRecord;
import dev.faissshard.shard.ShardEvents;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;

/**
 * The index as stored: progress, shard writers and the manifest. {@link #commit} fixes the order that
 * makes a killed run harmless: objects first, then {@code progress.json}, then the manifest, and only
 * then the deletion of what they no longer name.
 */
@Component
class IndexRepository {

    private static final Logger log = LoggerFactory.getLogger(IndexRepository.class);

    private final StorageClient storage;
    private final ProgressStore progressStore;
    private final ManifestPublisher manifests;
    private final ShardWriterFactory writers;

    IndexRepository(StorageClient storage, ProgressStore progressStore, ManifestPublisher manifests,
            ShardWriterFactory writers) {
        this.storage = storage;
        this.progressStore = progressStore;
        this.manifests = manifests;
        this.writers = writers;
    }

    String location(IndexLayout layout) {
        return storage.description() + (layout.prefix().isEmpty() ? "" : " prefix " + layout.prefix());
    }

    Progress load(IndexLayout layout) {
        return progressStore.load(layout, storage).orElseGet(Progress::empty);
    }

    /**
     * Opens the index for a run: loads progress, brings the manifest level with it (a run killed between
     * the two writes leaves the manifest one batch behind, still naming segments progress no longer
     * does), and only then removes what neither names. So a reader following the manifest finds every
     * object it names at any instant.
     */
    Progress open(IndexLayout layout) {
        Optional<Progress> stored = progressStore.load(layout, storage);
        stored.ifPresent(progress -> {
            if (manifests.republishIfStale(layout, progress.indexes(), storage)) {
                log.info("Republished {} from {}: an interrupted run wrote progress but not the manifest",
                        layout.manifestKey(), layout.progressKey());
            }
        });
        Progress progress = stored.orElseGet(Progress::empty);
        removeOrphans(layout, progress);
        return progress;
    }

    /** Refuses a job whose models or shard settings differ from what the index already holds. */
    void checkCompatible(IndexLayout layout, Map<IndexType, ModelInfo> models) {
        IndexCompatibility.check(location(layout), load(layout), models, writers.settings());
        writers.checkFits(storage);
        models.values().forEach(model -> writers.sizeModel(model.dimension()));
    }

    Map<IndexType, ShardWriter> openWriters(IndexLayout layout, Progress progress, Map<IndexType, ModelInfo> models,
            ShardEvents events) {
        IndexCompatibility.check(location(layout), progress, models, writers.settings());
        writers.checkFits(storage);
        Map<IndexType, ShardWriter> open = new EnumMap<>(IndexType.class);
        try {
            models.forEach((type, model) -> {
                IndexProgress state = progress.indexes().get(type.key());
                if (state == null || state.vectors() == 0 && state.sealedShards().isEmpty()) {
                    state = IndexProgress.empty(model, writers.settings().metric().name(), writers.settings().factory());
                }
                open.put(type, writers.open(type, model, state, layout, storage, events));
            });
        }
        catch (RuntimeException ex) {
            open.values().forEach(ShardWriter::close);
            throw ex;
        }
        return open;
    }

    /**
     * Deletes open-shard segments that a killed run uploaded but never recorded. Only names of this
     * index's own segment scheme directly under its {@code faiss/open/} are candidates: anything else
     * there (another index, made at a prefix inside this one before such prefixes were refused, or an
     * operator's file) is not this index's to delete, and neither is whatever the manifest names.
     */
    private void removeOrphans(IndexLayout layout, Progress progress) {
        Set<String> referenced = new HashSet<>(manifests.publishedKeys(layout, storage));
        for (IndexProgress index : progress.indexes().values()) {
            for (SegmentRecord segment : index.openSegments()) {
                referenced.add(layout.absolute(segment.file()));
                referenced.add(layout.absolute(segment.idsFile()));
            }
        }
        for (StoredObject object : storage.list(layout.openPrefix())) {
            if (layout.isSegmentKey(object.key()) && !referenced.contains(object.key())) {
                log.info("Removing {}, left over by an interrupted run", object.key());
                storage.delete(object.key());
            }
        }
    }

    /**
     * Tells readers which partitions a partitioned build has ({@code faiss/partitions.json} at the build's
     * own prefix); every worker writes the same bytes, so they need no coordination.
     */
    void describePartitions(JobSpec spec) {
        if (!spec.partition().isWhole()) {
            PartitionsFile.publish(storage, spec.layout(), spec.partition());
        }
    }

    /** Records a finished batch durably; returns the progress now in storage. */
    Progress commit(IndexLayout layout, Progress base, Map<IndexType, ShardWriter> open,
            Map<String, FailureRecord> failures, long nextBatch, java.time.Instant now, ShardEvents events) {
        return commit(layout, base, open, failures, nextBatch, now, events, false);
    }

    /**
     * {@link #commit}, with the manifest marked {@code complete} when the job has processed every
     * catalogue row of its index to the end.
     */
    Progress commit(IndexLayout layout, Progress base, Map<IndexType, ShardWriter> open,
            Map<String, FailureRecord> failures, long nextBatch, java.time.Instant now, ShardEvents events,
            boolean complete) {
        Map<String, IndexProgress> indexes = new TreeMap<>(base.indexes());
        List<String> obsolete = new ArrayList<>();
        open.forEach((type, writer) -> {
            indexes.put(type.key(), writer.state());
            obsolete.addAll(writer.drainObsoleteKeys());
        });
        Progress next = new Progress(Progress.FORMAT_VERSION, now, nextBatch, indexes, failures);
        long start = System.nanoTime();
        long progressBytes = progressStore.save(layout, storage, next);
        events.uploaded("progress", progressBytes, System.nanoTime() - start);
        start = System.nanoTime();
        long manifestBytes = manifests.publish(layout, indexes, storage, complete);
        events.uploaded("manifest", manifestBytes, System.nanoTime() - start);
        for (String key : obsolete) {
            // Keys come from progress.json; only this index's own segment names are ever deleted, even
            // if the stored progress was edited to name something else.
            if (layout.isSegmentKey(key)) {
                storage.delete(key);
            }
            else {
                log.warn("Not deleting {}: not a segment of the index at {}", key, location(layout));
            }
        }
        return next;
    }
}
