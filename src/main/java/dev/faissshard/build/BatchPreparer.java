package dev.faissshard.build;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingInput;
import dev.faissshard.failure.Causes;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.fetch.FetchProperties;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Fetches a batch concurrently and decodes each body on the decode pool as soon as it arrives, so
 * that network waits, decoding and the embedding of the previous batch overlap. Once all but the
 * last tenth of the batch is done, the rest has {@code fsb.fetch.tail-timeout} to finish; what is
 * still out then is abandoned (its download cancelled) and recorded as {@link
 * FailureReason#TAIL_TIMEOUT}, which the next job retries, so that one slow host cannot hold the
 * batch and with it the job.
 */
@Component
class BatchPreparer {

    private static final Logger log = LoggerFactory.getLogger(BatchPreparer.class);

    private final ImageFetcher fetcher;
    private final ImageDecoder decoder;
    private final Executor decodePool;
    private final Duration tailTimeout;

    BatchPreparer(
            ImageFetcher fetcher,
            ImageDecoder decoder,
            @Qualifier("decodeExecutor") Executor decodePool,
            FetchProperties fetch) {
        this.fetcher = fetcher;
        this.decoder = decoder;
        this.decodePool = decodePool;
        this.tailTimeout = fetch.tailTimeout();
    }

    /**
     * Fetches and decodes {@code entries}; each decoded picture goes through {@code ready} on the
     * decode thread (the resize into the models' input), so the batch holds model inputs.
     */
    CompletableFuture<PreparedBatch> prepare(
            List<CatalogEntry> entries,
            BuildRecorder recorder,
            Function<BufferedImage, EmbeddingInput> ready) {
        long start = System.nanoTime();
        AtomicLong lastFetched = new AtomicLong(start);
        List<CompletableFuture<Object>> outcomes = new ArrayList<>(entries.size());
        List<CompletableFuture<byte[]>> downloads = new ArrayList<>(entries.size());
        Tail tail = new Tail(entries, outcomes, downloads);
        for (CatalogEntry entry : entries) {
            CompletableFuture<byte[]> download = fetchSafely(entry);
            downloads.add(download);
            CompletableFuture<Object> outcome = new CompletableFuture<>();
            download.thenApplyAsync(
                            bytes -> {
                                lastFetched.accumulateAndGet(System.nanoTime(), Math::max);
                                recorder.fetched(bytes.length);
                                long decodeStart = System.nanoTime();
                                try {
                                    return (Object) ready.apply(decoder.decode(bytes));
                                } catch (ImageRejectedException ex) {
                                    throw new CompletionException(ex);
                                } finally {
                                    recorder.stage(Stage.DECODE, System.nanoTime() - decodeStart);
                                }
                            },
                            decodePool)
                    // An abandoned straggler's outcome is already recorded; its cancellation is
                    // not.
                    .exceptionally(failure -> outcome.isDone() ? null : rejected(entry, failure))
                    .thenAccept(outcome::complete);
            outcomes.add(outcome);
        }
        outcomes.forEach(outcome -> outcome.thenRun(tail::finishedOne));
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
                .thenApply(
                        done -> {
                            recorder.stage(Stage.FETCH, lastFetched.get() - start);
                            List<CatalogEntry> ok = new ArrayList<>();
                            List<EmbeddingInput> images = new ArrayList<>();
                            List<PreparedBatch.Rejected> rejected = new ArrayList<>();
                            for (int i = 0; i < entries.size(); i++) {
                                Object outcome = outcomes.get(i).join();
                                if (outcome instanceof EmbeddingInput image) {
                                    ok.add(entries.get(i));
                                    images.add(image);
                                } else {
                                    rejected.add((PreparedBatch.Rejected) outcome);
                                }
                            }
                            return new PreparedBatch(ok, images, rejected);
                        });
    }

    /**
     * Starts the tail clock when only the last tenth of the batch (at least one image) is left, and
     * abandons what is still out when it runs out.
     */
    private final class Tail {

        /** What the tail may abandon; null once every outcome is in. */
        private record Pending(
                List<CatalogEntry> entries,
                List<CompletableFuture<Object>> outcomes,
                List<CompletableFuture<byte[]>> downloads) {}

        private final int size;
        private final int startsAt;
        private final AtomicInteger finished = new AtomicInteger();
        // The delayed check outlives the batch by up to the tail timeout; if it held the outcomes,
        // every batch of the last two minutes would keep its pictures' model inputs alive
        // (measured:
        // a 3,000-image build ran out of a 256 MB heap).
        private volatile Pending pending;

        Tail(
                List<CatalogEntry> entries,
                List<CompletableFuture<Object>> outcomes,
                List<CompletableFuture<byte[]>> downloads) {
            this.pending = new Pending(entries, outcomes, downloads);
            this.size = entries.size();
            this.startsAt = size - Math.max(1, size / 10);
        }

        void finishedOne() {
            int done = finished.incrementAndGet();
            if (done == startsAt && startsAt > 0 && !tailTimeout.isZero()) {
                CompletableFuture.delayedExecutor(tailTimeout.toNanos(), TimeUnit.NANOSECONDS)
                        .execute(this::abandonStragglers);
            }
            if (done == size) {
                pending = null;
            }
        }

        private void abandonStragglers() {
            Pending batch = pending;
            if (batch == null) {
                return;
            }
            List<CatalogEntry> entries = batch.entries();
            List<CompletableFuture<Object>> outcomes = batch.outcomes();
            List<CompletableFuture<byte[]>> downloads = batch.downloads();
            int abandoned = 0;
            for (int i = 0; i < outcomes.size(); i++) {
                PreparedBatch.Rejected straggler =
                        new PreparedBatch.Rejected(
                                entries.get(i),
                                FailureReason.TAIL_TIMEOUT,
                                "still unfinished "
                                        + tailTimeout.toSeconds()
                                        + " s after the rest of its batch (fsb.fetch.tail-timeout);"
                                        + " retried by the next job ("
                                        + entries.get(i).imageUrl()
                                        + ")");
                if (outcomes.get(i).complete(straggler)) {
                    downloads.get(i).cancel(true);
                    abandoned++;
                }
            }
            if (abandoned > 0) {
                log.info(
                        "Abandoned {} straggler(s) of a batch of {} after the tail timeout of {}",
                        abandoned,
                        entries.size(),
                        tailTimeout);
            }
        }
    }

    private CompletableFuture<byte[]> fetchSafely(CatalogEntry entry) {
        try {
            return fetcher.fetch(entry.imageUrl(), entry.folder());
        } catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private static PreparedBatch.Rejected rejected(CatalogEntry entry, Throwable failure) {
        Throwable cause = Causes.unwrapped(failure);
        if (cause instanceof ImageRejectedException rejected) {
            return new PreparedBatch.Rejected(entry, rejected.reason(), rejected.detail());
        }
        // A bug or an unexpected error on one image must not stop the job, nor pass for a fact
        // about the image
        // (corrupt would never be retried). Its message may quote the bytes, so only its type is
        // recorded.
        log.warn("Unexpected {} preparing catalogue id {}", cause.getClass().getName(), entry.id());
        return new PreparedBatch.Rejected(
                entry,
                FailureReason.UNEXPECTED_ERROR,
                "unexpected "
                        + cause.getClass().getSimpleName()
                        + " (a fault of the service, retried by the next job)");
    }
}
