package dev.faissshard.build;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingInput;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.ImageDecoder;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/**
 * Fetches a batch concurrently and decodes each body on the decode pool as soon as it arrives, so
 * that network waits, decoding and the embedding of the previous batch overlap.
 */
@Component
class BatchPreparer {

    private static final Logger log = LoggerFactory.getLogger(BatchPreparer.class);

    private final ImageFetcher fetcher;
    private final ImageDecoder decoder;
    private final Executor decodePool;

    BatchPreparer(
            ImageFetcher fetcher,
            ImageDecoder decoder,
            @Qualifier("decodeExecutor") Executor decodePool) {
        this.fetcher = fetcher;
        this.decoder = decoder;
        this.decodePool = decodePool;
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
        for (CatalogEntry entry : entries) {
            CompletableFuture<Object> outcome =
                    fetchSafely(entry)
                            .thenApplyAsync(
                                    bytes -> {
                                        lastFetched.accumulateAndGet(System.nanoTime(), Math::max);
                                        recorder.fetched(bytes.length);
                                        long decodeStart = System.nanoTime();
                                        try {
                                            return (Object) ready.apply(decoder.decode(bytes));
                                        } catch (ImageRejectedException ex) {
                                            throw new CompletionException(ex);
                                        } finally {
                                            recorder.stage(
                                                    Stage.DECODE, System.nanoTime() - decodeStart);
                                        }
                                    },
                                    decodePool)
                            .exceptionally(failure -> rejected(entry, failure));
            outcomes.add(outcome);
        }
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

    private CompletableFuture<byte[]> fetchSafely(CatalogEntry entry) {
        try {
            return fetcher.fetch(entry.imageUrl(), entry.folder());
        } catch (RuntimeException ex) {
            return CompletableFuture.failedFuture(ex);
        }
    }

    private static PreparedBatch.Rejected rejected(CatalogEntry entry, Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException
                        || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
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
