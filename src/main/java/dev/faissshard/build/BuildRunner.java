package dev.faissshard.build;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.OpenIndex;
import dev.faissshard.index.PartitionsFile;
import dev.faissshard.index.StoredIndex;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Component;

/**
 * The data plane's entry point: checks a build before it is accepted, and runs one, from catalogue
 * entries through fetching, decoding and embedding into the stored index.
 */
@Component
public class BuildRunner {

    private final BatchPreparer preparer;
    private final EmbeddingService embeddings;
    private final StoredIndex stored;
    private final BuildMetrics metrics;
    private final StorageOutagePolicy outages;
    private final Clock clock;

    BuildRunner(
            BatchPreparer preparer,
            EmbeddingService embeddings,
            StoredIndex stored,
            BuildMetrics metrics,
            StorageOutagePolicy outages,
            Clock clock) {
        this.outages = outages;
        this.preparer = preparer;
        this.embeddings = embeddings;
        this.stored = stored;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** The index a build under this layout writes to; one build at a time per location. */
    public IndexLocation locate(IndexLayout layout) {
        return stored.locate(layout);
    }

    /**
     * Checks up front what would make the build fail at once, so the request can be refused
     * instead.
     */
    public void check(Set<IndexType> types, IndexLayout layout) {
        stored.checkCompatible(stored.locate(layout), models(types));
    }

    /**
     * Builds; true when the catalogue was worked through, false when stopped at a batch boundary.
     */
    public boolean run(BuildPlan plan, Catalog catalog, BuildControl control, BuildStatistics stats)
            throws InterruptedException {
        BuildRecorder recorder = new BuildRecorder(stats, metrics, clock);
        // Opening reads progress and brings the manifest level with it: an outage at the start of a
        // job is waited out like one later on.
        OpenIndex opened =
                outages.run(
                        "opening the index",
                        control,
                        () ->
                                stored.open(
                                        stored.locate(plan.layout()),
                                        models(plan.indexTypes()),
                                        recorder));
        if (opened == null) {
            return false;
        }
        try (OpenIndex index = opened) {
            if (plan.shares() > 1
                    && outages.run(
                                    "publishing the partitions file",
                                    control,
                                    () -> {
                                        PartitionsFile.publish(
                                                index.location().storage(),
                                                plan.layout(),
                                                plan.shares());
                                        return Boolean.TRUE;
                                    })
                            == null) {
                return false;
            }
            return new IndexBuild(
                            plan,
                            catalog,
                            index,
                            preparer,
                            new BatchEmbedder(embeddings),
                            control,
                            recorder,
                            outages,
                            clock)
                    .run();
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
