package dev.faissshard.build;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.index.FailureRecord;
import dev.faissshard.index.OpenIndex;
import dev.faissshard.index.RowFingerprint;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a build: reads the catalogue in batches, skips what the index already holds, and for
 * each batch embeds, appends and commits. The next two batches are fetched and decoded while the
 * current one is embedded.
 *
 * <p>Each commit waits out a storage outage ({@link StorageOutagePolicy}); a deadline ends the run
 * at a batch boundary, including while it waits for a batch to be fetched or for storage, so that
 * neither a host nor a store that never answers can hold a job past it.
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
    private final StorageOutagePolicy outages;
    private final Clock clock;

    /** Batches fetched and decoded at once while one is embedded. */
    private static final int LOOK_AHEAD = 2;

    private long attempted;

    IndexBuild(
            BuildPlan plan,
            Catalog catalog,
            OpenIndex index,
            BatchPreparer preparer,
            BatchEmbedder embedder,
            BuildControl control,
            BuildRecorder recorder,
            StorageOutagePolicy outages,
            Clock clock) {
        this.outages = outages;
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
        // Two batches are fetched and decoded ahead of the one being embedded: the decode threads
        // then always have the next batch's pictures to work on while the slowest fetches of a
        // batch finish, instead of going idle at every batch's tail. Prepared batches hold model
        // inputs only (48 kB a picture), so the look-ahead costs little memory.
        Deque<CompletableFuture<PreparedBatch>> pending = new ArrayDeque<>();
        prepareAhead(entries, pending);
        while (!pending.isEmpty()) {
            if (!control.checkpoint()) {
                pending.forEach(batch -> batch.cancel(false));
                return false;
            }
            checkDeadline(pending);
            PreparedBatch batch = awaitPrepared(pending);
            prepareAhead(entries, pending);
            long start = System.nanoTime();
            if (!write(batchNumber++, batch)) {
                pending.forEach(prepared -> prepared.cancel(false));
                return false;
            }
            recorder.batch(Duration.ofNanos(System.nanoTime() - start));
        }
        index.finish(!entries.hasNext());
        if (!entries.hasNext()) {
            // The whole catalogue was read: a stored row it no longer has was deleted from it.
            index.retireUnseen(clock.instant());
        }
        // The next job restores a few merged segments rather than one per batch of every job. Only
        // while this process still holds the index: the merged segments take batch numbers a
        // process that took it over would write.
        control.checkMayWrite();
        batchNumber = index.mergeOpenSegments(batchNumber);
        // Complete: the catalogue was read to its end (not cut short by a limit) and no failure is
        // one a later job would retry.
        return commit(batchNumber, !entries.hasNext() && !index.hasTransientFailures());
    }

    private void prepareAhead(
            Iterator<CatalogEntry> entries, Deque<CompletableFuture<PreparedBatch>> pending) {
        while (pending.size() < LOOK_AHEAD) {
            List<CatalogEntry> next = nextBatch(entries);
            if (next.isEmpty()) {
                return;
            }
            pending.addLast(preparer.prepare(next, recorder, embedder::prepare));
        }
    }

    private void checkDeadline(Deque<CompletableFuture<PreparedBatch>> pending) {
        Instant deadline = control.deadline();
        if (deadline != null && !clock.instant().isBefore(deadline)) {
            pending.forEach(batch -> batch.cancel(false));
            throw new DeadlineExceededException(deadline);
        }
    }

    /**
     * The first prepared batch; waits for it no longer than the deadline, so that hosts that never
     * answer cannot hold the job past it. Nothing of that batch is committed then.
     */
    private PreparedBatch awaitPrepared(Deque<CompletableFuture<PreparedBatch>> pending)
            throws InterruptedException {
        CompletableFuture<PreparedBatch> first = pending.removeFirst();
        Instant deadline = control.deadline();
        if (deadline == null) {
            return first.join();
        }
        long left = Duration.between(clock.instant(), deadline).toNanos();
        try {
            return first.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException ex) {
            first.cancel(false);
            pending.forEach(batch -> batch.cancel(false));
            throw new DeadlineExceededException(deadline);
        } catch (ExecutionException | CancellationException ex) {
            return first.join(); // rethrows as join always did
        }
    }

    /** Embeds, appends and commits one batch; false when stopped while waiting for storage. */
    private boolean write(long batchNumber, PreparedBatch batch) throws InterruptedException {
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
                long[] fingerprints =
                        embedded.entries().stream().mapToLong(IndexBuild::fingerprint).toArray();
                index.append(
                        batchNumber, embedded.vectors(), catalogIds, fingerprints, clock.instant());
                recorder.embedded(catalogIds.size());
            }
        }
        return commit(batchNumber + 1, false);
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

    /**
     * Commits, waiting out a storage outage; false when the build was stopped meanwhile (nothing of
     * this batch is then stored beyond what progress.json names).
     */
    private boolean commit(long nextBatch, boolean complete) throws InterruptedException {
        Object done =
                outages.run(
                        "the commit of batch " + (nextBatch - 1),
                        control,
                        () -> {
                            // Another process may have taken the index over while this one
                            // stalled: then nothing more is written.
                            control.checkMayWrite();
                            return index.commit(nextBatch, clock.instant(), complete);
                        });
        if (done == null) {
            return false;
        }
        recorder.committed();
        publishStats();
        return true;
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
            index.seen(entry.id());
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
        // A failure of the row's old URL says nothing about its new one.
        if (failure != null
                && !plan.retries(failure.reason())
                && (failure.url() == null || failure.url().equals(entry.imageUrl().toString()))) {
            return true;
        }
        return index.holds(entry.id(), fingerprint(entry));
    }

    /** What the row's vector is made from: a row whose fingerprint changed is embedded again. */
    private static long fingerprint(CatalogEntry entry) {
        return RowFingerprint.of(entry.imageUrl().toString(), entry.revision());
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
