package dev.faissshard.build;

import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.Compaction;
import dev.faissshard.index.Deletes;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.Manifest;
import dev.faissshard.index.ManifestPublisher;
import dev.faissshard.index.OpenIndex;
import dev.faissshard.index.StoredIndex;
import java.time.Clock;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The jobs that change an index without reading its catalogue: a compaction and a delete. Each
 * opens the index as a build does (waiting out a storage outage, under the job's lease), changes
 * it, and commits once, so that a kill leaves either the index before or the index after (see
 * {@link Compaction} for the objects written before that commit). The manifest keeps the {@code
 * complete} it had: neither job changes which catalogue rows the index covers.
 */
@Component
public class IndexMaintenance {

    private static final Logger log = LoggerFactory.getLogger(IndexMaintenance.class);

    private final StoredIndex stored;
    private final Compaction compaction;
    private final ManifestPublisher manifests;
    private final EmbeddingService embeddings;
    private final StorageOutagePolicy outages;
    private final BuildMetrics metrics;
    private final Clock clock;

    IndexMaintenance(
            StoredIndex stored,
            Compaction compaction,
            ManifestPublisher manifests,
            EmbeddingService embeddings,
            StorageOutagePolicy outages,
            BuildMetrics metrics,
            Clock clock) {
        this.stored = stored;
        this.compaction = compaction;
        this.manifests = manifests;
        this.embeddings = embeddings;
        this.outages = outages;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Compacts; true when done, false when stopped before it committed. */
    public boolean compact(
            IndexLayout layout, Set<IndexType> types, BuildControl control, BuildStatistics stats)
            throws InterruptedException {
        return change(
                layout,
                types,
                control,
                stats,
                "compaction",
                index -> {
                    Map<IndexType, Compaction.Result> results = compaction.compact(index);
                    return results.isEmpty() ? "nothing to compact" : results.toString();
                });
    }

    /** Records the ids as deleted; true when done, false when stopped before it committed. */
    public boolean delete(
            IndexLayout layout,
            Set<IndexType> types,
            List<String> catalogIds,
            BuildControl control,
            BuildStatistics stats)
            throws InterruptedException {
        return change(
                layout,
                types,
                control,
                stats,
                "delete",
                index ->
                        "tombstones per type "
                                + Deletes.delete(index, catalogIds, clock.instant()));
    }

    private boolean change(
            IndexLayout layout,
            Set<IndexType> types,
            BuildControl control,
            BuildStatistics stats,
            String what,
            Function<OpenIndex, String> work)
            throws InterruptedException {
        BuildRecorder recorder = new BuildRecorder(stats, metrics, clock);
        IndexLocation location = stored.locate(layout);
        // Read before the open, which republishes a manifest lagging behind progress (a kill
        // between the two writes) without its complete flag.
        Boolean complete =
                outages.run(
                        "reading the manifest",
                        control,
                        () ->
                                manifests
                                        .read(layout, location.storage())
                                        .map(Manifest::complete)
                                        .orElse(false));
        if (complete == null) {
            return false;
        }
        OpenIndex opened =
                outages.run(
                        "opening the index",
                        control,
                        () -> stored.open(location, models(types), recorder));
        if (opened == null) {
            return false;
        }
        try (OpenIndex index = opened) {
            if (!control.checkpoint()) {
                return false;
            }
            control.checkMayWrite();
            String outcome = work.apply(index);
            Object done =
                    outages.run(
                            "the commit of the " + what,
                            control,
                            () -> {
                                control.checkMayWrite();
                                return index.commit(
                                        index.committed().nextBatch(), clock.instant(), complete);
                            });
            if (done == null) {
                return false;
            }
            types.forEach(type -> stats.index(type, index.state(type), index.openVectors(type)));
            stats.touch(clock.instant());
            stats.progressed(clock.instant());
            log.info("The {} of {} is committed: {}", what, location.description(), outcome);
            return true;
        }
    }

    private Map<IndexType, ModelInfo> models(Set<IndexType> types) {
        Map<IndexType, ModelInfo> models = new EnumMap<>(IndexType.class);
        for (IndexType type : types) {
            models.put(type, embeddings.model(type));
        }
        return models;
    }
}
