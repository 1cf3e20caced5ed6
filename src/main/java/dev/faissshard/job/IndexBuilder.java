package dev.faissshard.job;

import java.time.Clock;

import org.springframework.stereotype.Component;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.index.StoredIndex;

/** Runs jobs: wires one {@link IndexBuild} per run to the shared pipeline and repository. */
@Component
class IndexBuilder {

    private final ImagePipeline pipeline;
    private final StoredIndex repository;
    private final JobMetrics metrics;
    private final Clock clock;

    IndexBuilder(ImagePipeline pipeline, StoredIndex repository, JobMetrics metrics, Clock clock) {
        this.pipeline = pipeline;
        this.repository = repository;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Checks up front what would make the job fail at once, so the request can be refused instead. */
    void validate(JobSpec spec) {
        repository.checkCompatible(spec.layout(), pipeline.models(spec.indexTypes()));
    }

    String location(JobSpec spec) {
        return repository.location(spec.layout());
    }

    /** Builds; true when the catalogue was worked through, false when cancelled. */
    boolean build(Job job, Catalog catalog) throws InterruptedException {
        return new IndexBuild(job, catalog, pipeline, repository, metrics, clock).run();
    }
}
