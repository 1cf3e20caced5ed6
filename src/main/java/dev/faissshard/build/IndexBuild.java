package dev.faissshard.build;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.index.FailureRecord;
import dev.faissshard.index.OpenIndex;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a build: reads the catalogue in batches, skips what the index already holds, and for
 * each batch embeds, appends and commits. The next batch is fetched and decoded while the current
 * one is embedded.
 */
final class IndexBuild {

    private static final Logger log = LoggerFactory.getLogger(IndexBuild.class);

    private final BuildPlan plan;
    private final Catalog catalog;
    private final OpenIndex index;
    private final BatchPreparer preparer;
    private final BatchEmbedder embedder;
    private final BuildControl control;
    private final BuildRecorder recorder;
    private final Clock clock;

    private long attempted;

    IndexBuild(
            BuildPlan plan,
            Catalog catalog,
            OpenIndex index,
            BatchPreparer preparer,
            BatchEmbedder embedder,
            BuildControl control,
            BuildRecorder recorder,
            Clock clock) {
        this.plan = plan;
        this.catalog = catalog;
        this.index = index;
        this.preparer = preparer;
        this.embedder = embedder;
        this.control = control;
        this.recorder = recorder;
        this.clock = clock;
    }

    /**
     * Runs to the end of the catalogue (or the limit) and returns true, or returns false if
     * cancelled.
     */
    boolean run() throws InterruptedException {
        publishStats();
        recorder.stats().total(share(catalog.size(), plan.shares()));
        try (Stream<CatalogEntry> entries = catalog.entries()) {
            return runBatches(entries.iterator());
        }
    }

    private boolean runBatches(Iterator<CatalogEntry> entries) throws InterruptedException {
        long batchNumber = index.committed().nextBatch();
        List<CatalogEntry> first = nextBatch(entries);
        CompletableFuture<PreparedBatch> pending =
                first.isEmpty() ? null : preparer.prepare(first, recorder);
        while (pending != null) {
            if (!control.checkpoint()) {
                pending.cancel(false);
                return false;
            }
            PreparedBatch batch = pending.join();
            List<CatalogEntry> following = nextBatch(entries);
            pending = following.isEmpty() ? null : preparer.prepare(following, recorder);
            long start = System.nanoTime();
            write(batchNumber++, batch);
            recorder.batch(Duration.ofNanos(System.nanoTime() - start));
        }
        index.sealOpenShards();
        // Complete: the catalogue was read to its end (not cut short by a limit) and no failure is
        // one a
        // later job would retry.
        commit(batchNumber, !entries.hasNext() && !index.hasTransientFailures());
        return true;
    }

    private void write(long batchNumber, PreparedBatch batch) {
        Instant now = clock.instant();
        fail(batch.rejected(), now);
        if (!batch.images().isEmpty()) {
            long start = System.nanoTime();
            BatchEmbedder.Embedded embedded =
                    embedder.embed(batch.entries(), batch.images(), plan.indexTypes());
            recorder.stage(Stage.EMBED, System.nanoTime() - start);
            fail(embedded.rejected(), now);
            if (!embedded.entries().isEmpty()) {
                List<String> catalogIds =
                        embedded.entries().stream().map(CatalogEntry::id).toList();
                index.append(batchNumber, embedded.vectors(), catalogIds);
                recorder.embedded(catalogIds.size());
            }
        }
        commit(batchNumber + 1, false);
    }

    private void fail(List<PreparedBatch.Rejected> rejected, Instant now) {
        for (PreparedBatch.Rejected failure : rejected) {
            index.fail(
                    failure.entry().id(),
                    failure.entry().imageUrl().toString(),
                    failure.reason(),
                    failure.detail(),
                    now);
            recorder.failed(failure.reason());
        }
    }

    private void commit(long nextBatch, boolean complete) {
        // Another process may have taken the index over while this one stalled: then nothing more
        // is written.
        control.checkMayWrite();
        index.commit(nextBatch, clock.instant(), complete);
        publishStats();
    }

    /** The next entries that need work, reading past those the index already holds. */
    private List<CatalogEntry> nextBatch(Iterator<CatalogEntry> entries) {
        List<CatalogEntry> batch = new ArrayList<>(plan.batchSize());
        long skippedNow = 0;
        while (batch.size() < plan.batchSize()
                && (plan.limit() == 0 || attempted < plan.limit())
                && entries.hasNext()) {
            CatalogEntry entry = entries.next();
            if (!plan.owns().test(entry.id())) {
                continue; // another worker's
            }
            recorder.seen(1);
            if (isDone(entry)) {
                skippedNow++;
                continue;
            }
            batch.add(entry);
            attempted++;
        }
        recorder.skipped(skippedNow);
        return batch;
    }

    /** This partition's expected share of the catalogue, for the ETA: ids spread evenly by hash. */
    private static OptionalLong share(OptionalLong total, int shares) {
        return total.isPresent()
                ? OptionalLong.of((total.getAsLong() + shares - 1) / shares)
                : total;
    }

    private boolean isDone(CatalogEntry entry) {
        FailureRecord failure = index.failure(entry.id()).orElse(null);
        if (failure != null && !plan.retries(failure.reason())) {
            return true;
        }
        return index.holds(entry.id());
    }

    private void publishStats() {
        BuildStatistics stats = recorder.stats();
        index.types()
                .forEach(type -> stats.index(type, index.state(type), index.openVectors(type)));
        stats.touch(clock.instant());
        log.debug(
                "Build {}: committed up to batch {}",
                plan.name(),
                index.committed().nextBatch() - 1);
    }
}
