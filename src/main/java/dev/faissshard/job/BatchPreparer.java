package dev.faissshard.job;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.FailureReason;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.image.ImageRejectedException;

/**
 * Fetches a batch concurrently and decodes each body on the decode pool as soon as it arrives, so that
 * network waits, decoding and the embedding of the previous batch overlap.
 */
final class BatchPreparer {

    private static final Logger log = LoggerFactory.getLogger(BatchPreparer.class);

    private final ImageFetcher fetcher;
    private final ImageDecoder decoder;
    private final Executor decodePool;
    private final JobMetrics metrics;

    BatchPreparer(ImageFetcher fetcher, ImageDecoder decoder, Executor decodePool, JobMetrics metrics) {
        this.fetcher = fetcher;
        this.decoder = decoder;
        this.decodePool = decodePool;
        this.metrics = metrics;
    }

    CompletableFuture<PreparedBatch> prepare(List<CatalogEntry> entries, JobStats stats) {
        long start = System.nanoTime();
        AtomicLong lastFetched = new AtomicLong(start);
        List<CompletableFuture<Object>> outcomes = new ArrayList<>(entries.size());
        for (CatalogEntry entry : entries) {
            CompletableFuture<Object> outcome = fetchSafely(entry)
                .thenApplyAsync(bytes -> {
                    lastFetched.accumulateAndGet(System.nanoTime(), Math::max);
                    metrics.fetched(bytes.length);
                    long decodeStart = System.nanoTime();
                    try {
                        return (Object) decoder.decode(bytes);
                    }
                    catch (ImageRejectedException ex) {
                        throw new CompletionException(ex);
                    }
                    finally {
                        long decodeNanos = System.nanoTime() - decodeStart;
                        stats.stage(JobStats.Stage.DECODE, decodeNanos);
                        metrics.stage(JobStats.Stage.DECODE, decodeNanos);
                    }
                }, decodePool)
                .exceptionally(failure -> rejected(entry, failure));
            outcomes.add(outcome);
        }
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenApply(done -> {
            stats.stage(JobStats.Stage.FETCH, lastFetched.get() - start);
            metrics.stage(JobStats.Stage.FETCH, lastFetched.get() - start);
            List<CatalogEntry> ok = new ArrayList<>();
            List<BufferedImage> images = new ArrayList<>();
            List<PreparedBatch.Rejected> rejected = new ArrayList<>();
            for (int i = 0; i < entries.size(); i++) {
                Object outcome = outcomes.get(i).join();
                if (outcome instanceof BufferedImage image) {
                    ok.add(entries.get(i));
                    images.add(image);
                }
                else {
                    rejected.add((PreparedBatch.Rejected) outcome);
                }
            }
            return new PreparedBatch(ok, images, rejected);
        });
    }

    private CompletableFuture<byte[]> fetchSafely(CatalogEntry entry) {
        try {
            return fetcher.fetch(entry.imageUrl(), entry.folder());
        }
        catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private static PreparedBatch.Rejected rejected(CatalogEntry entry, Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof ImageRejectedException rejected) {
            return new PreparedBatch.Rejected(entry, rejected.reason(), rejected.detail());
        }
        // A bug or an unexpected error on one image must not stop the job, nor pass for a fact about the image
        // (corrupt would never be retried). Its message may quote the bytes, so only its type is recorded.
        log.warn("Unexpected {} preparing catalogue id {}", cause.getClass().getName(), entry.id());
        return new PreparedBatch.Rejected(entry, FailureReason.UNEXPECTED_ERROR,
                "unexpected " + cause.getClass().getSimpleName() + " (a fault of the service, retried by the next job)");
    }
}
