package dev.faissshard.fetch;

import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/**
 * Downloads image bytes. Implementations bound their own concurrency, time and size, and apply the
 * egress policy to network URLs and the folder confinement to local ones.
 */
public interface ImageFetcher {

    /**
     * Fetches {@code url} ({@code http(s):}, {@code supabase:} or {@code file:}). Completes with
     * the body, or exceptionally with an {@link dev.faissshard.failure.ImageRejectedException}
     * carrying the reason (status, timeout, too large, too many redirects, not found, egress
     * refused, …). Never completes with any other exception type.
     *
     * @param catalogueFolder the folder of the catalogue that named the URL, where its {@code
     *     file:} URLs may read (when {@code fsb.fetch.files.catalogue-folder} is on); null when the
     *     catalogue is no file
     */
    CompletableFuture<byte[]> fetch(URI url, Path catalogueFolder);

    /**
     * {@link #fetch(URI, Path)} for a URL that no catalogue file named: files only from the
     * configured roots.
     */
    default CompletableFuture<byte[]> fetch(URI url) {
        return fetch(url, null);
    }
}
