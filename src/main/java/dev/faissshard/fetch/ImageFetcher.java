package dev.faissshard.fetch;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/**
 * Downloads image bytes. Implementations bound their own concurrency, time and size.
 */
public interface ImageFetcher {

    /**
     * Fetches {@code url} ({@code http(s):} or {@code file:}). Completes with the body, or exceptionally
     * with an {@link dev.faissshard.image.ImageRejectedException} carrying the reason (status, timeout,
     * too large, too many redirects, not found, …). Never completes with any other exception type.
     */
    CompletableFuture<byte[]> fetch(URI url);
}
