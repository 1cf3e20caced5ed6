package dev.faissshard.job;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.catalog.FaissIds;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.progress.FailureRecord;
import dev.faissshard.progress.Progress;
import dev.faissshard.shard.ShardWriter;

/**
 * One run of a job: reads the catalogue in batches, skips what the index already holds, and for each
 * batch embeds, appends, flushes and records progress. The next batch is fetched and decoded while the
 * current one is embedded.
 */
final class IndexBuild {

    private static final Logger log = LoggerFactory.getLogger(IndexBuild.class);

    private final Job job;
    private final Catalog catalog;
    private final ImagePipeline pipeline;
    private final IndexRepository repository;
    private final JobMetrics metrics;
    private final Clock clock;
    private final JobStats stats;
    private final BuildEvents events;

    private Map<IndexType, ShardWriter> writers = Map.of();
    private Map<String, FailureRecord> failures;
    private Progress progress;
    private long attempted;

    IndexBuild(Job job, Catalog catalog, ImagePipeline pipeline, IndexRepository repository, JobMetrics metrics,
            Clock clock) {
        this.job = job;
        this.catalog = catalog;
        this.pipeline = pipeline;
        this.repository = repository;
        this.metrics = metrics;
        this.clock = clock;
        this.stats = job.stats();
        this.events = new BuildEvents(stats, metrics);
    }

    /** Runs to the end of the catalogue (or the limit) and returns true, or returns false if cancelled. */
    boolean run() throws InterruptedException {
        JobSpec spec = job.spec();
        Map<IndexType, ModelInfo> models = pipeline.models(spec.indexTypes());
        progress = repository.open(spec.layout());
        repository.describePartitions(spec);
        failures = new TreeMap<>(progress.failures());
        writers = repository.openWriters(spec.layout(), progress, models, events);
        try {
            publishStats();
            stats.total(share(catalog.size(), spec.partition()));
            try (Stream<CatalogEntry> entries = catalog.entries()) {
                return runBatches(entries.iterator());
            }
        }
        finally {
            writers.values().forEach(ShardWriter::close);
        }
    }

    private boolean runBatches(Iterator<CatalogEntry> entries) throws InterruptedException {
        long batchNumber = progress.nextBatch();
        List<CatalogEntry> first = nextBatch(entries);
        CompletableFuture<PreparedBatch> pending = first.isEmpty() ? null : pipeline.prepare(first, stats);
        while (pending != null) {
            if (!job.checkpoint()) {
                pending.cancel(false);
                return false;
            }
            PreparedBatch batch = pending.join();
            List<CatalogEntry> following = nextBatch(entries);
            pending = following.isEmpty() ? null : pipeline.prepare(following, stats);
            long start = System.nanoTime();
            write(batchNumber++, batch);
            metrics.batch(Duration.ofNanos(System.nanoTime() - start));
        }
        writers.values().forEach(ShardWriter::sealOpenShard);
        // Another process may have taken the index over while this one stalled: then nothing more is written.
        job.lease().checkHeld();
        // Complete: the catalogue was read to its end (not cut short by a limit) and no failure is one a
        // later job would retry.
        boolean complete = !entries.hasNext()
                && failures.values().stream().noneMatch(failure -> failure.reason().isTransient());
        progress = repository.commit(job.spec().layout(), progress, writers, failures, batchNumber, clock.instant(), events,
                complete);
        publishStats();
        return true;
    }

    private void write(long batchNumber, PreparedBatch batch) {
        Instant now = clock.instant();
        for (PreparedBatch.Rejected rejected : batch.rejected()) {
            FailureRecord previous = failures.get(rejected.entry().id());
            int attempts = previous == null ? 1 : previous.attempts() + 1;
            failures.put(rejected.entry().id(), new FailureRecord(rejected.entry().imageUrl().toString(), rejected.reason(),
                    rejected.detail(), attempts, now));
            stats.failed(rejected.reason());
            metrics.failed(rejected.reason());
        }
        if (!batch.images().isEmpty()) {
            long start = System.nanoTime();
            Map<IndexType, float[]> vectors = pipeline.embed(batch.images(), job.spec().indexTypes());
            long nanos = System.nanoTime() - start;
            stats.stage(JobStats.Stage.EMBED, nanos);
            metrics.stage(JobStats.Stage.EMBED, nanos);
            long[] ids = new long[batch.entries().size()];
            List<String> catalogIds = new ArrayList<>(ids.length);
            for (int i = 0; i < ids.length; i++) {
                String id = batch.entries().get(i).id();
                ids[i] = FaissIds.of(id);
                catalogIds.add(id);
                failures.remove(id);
            }
            writers.forEach((type, writer) -> writer.append(batchNumber, vectors.get(type), ids, catalogIds));
            stats.embedded(ids.length);
            metrics.embedded(ids.length);
        }
        job.lease().checkHeld();
        progress = repository.commit(job.spec().layout(), progress, writers, failures, batchNumber + 1, clock.instant(),
                events);
        publishStats();
    }

    /** The next entries that need work, reading past those the index already holds. */
    private List<CatalogEntry> nextBatch(Iterator<CatalogEntry> entries) {
        JobSpec spec = job.spec();
        List<CatalogEntry> batch = new ArrayList<>(spec.batchSize());
        long skippedNow = 0;
        while (batch.size() < spec.batchSize() && (spec.limit() == 0 || attempted < spec.limit()) && entries.hasNext()) {
            CatalogEntry entry = entries.next();
            if (!spec.partition().contains(entry.id())) {
                continue; // another worker's
            }
            stats.seen(1);
            if (isDone(entry)) {
                skippedNow++;
                continue;
            }
            batch.add(entry);
            attempted++;
        }
        stats.skipped(skippedNow);
        metrics.skipped(skippedNow);
        return batch;
    }

    /** This partition's expected share of the catalogue, for the ETA: ids spread evenly by hash. */
    private static OptionalLong share(OptionalLong total, Partition partition) {
        return total.isPresent() ? OptionalLong.of((total.getAsLong() + partition.count() - 1) / partition.count())
                : total;
    }

    private boolean isDone(CatalogEntry entry) {
        FailureRecord failure = failures.get(entry.id());
        if (failure != null && !failure.reason().isTransient() && !job.spec().retryFailures()) {
            return true;
        }
        long faissId = FaissIds.of(entry.id());
        for (ShardWriter writer : writers.values()) {
            if (!writer.contains(faissId)) {
                return false;
            }
        }
        return true;
    }

    private void publishStats() {
        writers.forEach((type, writer) -> stats.index(type, writer.state(), writer.openVectors()));
        stats.touch(clock.instant());
        if (log.isDebugEnabled()) {
            log.debug("Job {}: {} seen, {} embedded, {} failed", job.id(), stats.seen(), stats.embedded(),
                    stats.failedTotal());
        }
    }
}
