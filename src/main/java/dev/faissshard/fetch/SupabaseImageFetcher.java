package dev.faissshard.fetch;

import dev.faissshard.failure.Causes;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.supabase.StorageObjects;
import dev.faissshard.supabase.SupabaseException;
import dev.faissshard.supabase.SupabaseHttpException;
import dev.faissshard.supabase.SupabaseNotFoundException;
import dev.faissshard.supabase.SupabaseTimeoutException;
import dev.faissshard.supabase.SupabaseUnreachableException;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Downloads images that live in a Supabase Storage bucket through the authenticated object API (so
 * private buckets work), off the caller's thread, with retries of transient failures.
 */
final class SupabaseImageFetcher {

    private final StorageObjects objects;
    private final long maxBytes;
    private final Executor executor;

    SupabaseImageFetcher(StorageObjects objects, long maxBytes, Executor executor) {
        this.objects = objects;
        this.maxBytes = maxBytes;
        this.executor = executor;
    }

    CompletableFuture<byte[]> fetch(URI url, SupabaseObjectUrl object) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return download(url, object);
                    } catch (ImageRejectedException ex) {
                        throw new CompletionException(ex);
                    }
                },
                executor);
    }

    private byte[] download(URI url, SupabaseObjectUrl object) throws ImageRejectedException {
        byte[] data;
        try {
            data = objects.download(object.bucket(), object.key());
        } catch (SupabaseException ex) {
            throw rejection(url, ex);
        }
        if (data.length > maxBytes) {
            throw new ImageRejectedException(
                    FailureReason.TOO_LARGE, data.length + " bytes over the limit of " + maxBytes);
        }
        return data;
    }

    /**
     * By the failure's type; the detail names the status, never the error body (it is the Storage
     * server's text, and details are shown to every caller of the job view). Anything that is not a
     * Supabase failure is left to the router, which files it as unexpected.
     */
    private static ImageRejectedException rejection(URI url, SupabaseException failure) {
        if (failure instanceof SupabaseHttpException http) {
            String detail =
                    "Supabase Storage answered HTTP " + http.effectiveStatus() + " (" + url + ")";
            FailureReason reason =
                    http.isTransient()
                            ? FailureReason.SERVER_UNAVAILABLE
                            : http instanceof SupabaseNotFoundException
                                    ? FailureReason.NOT_FOUND
                                    : FailureReason.HTTP_STATUS;
            return new ImageRejectedException(reason, detail, failure);
        }
        if (failure instanceof SupabaseTimeoutException) {
            return new ImageRejectedException(
                    FailureReason.TIMEOUT,
                    "no answer in time from Supabase Storage (" + url + ")",
                    failure);
        }
        if (failure instanceof SupabaseUnreachableException) {
            return new ImageRejectedException(
                    FailureReason.CONNECTION,
                    "connection to Supabase Storage failed: "
                            + Causes.root(failure).getClass().getSimpleName()
                            + " ("
                            + url
                            + ")",
                    failure);
        }
        // The family is sealed: what is left is an answer larger than the client reads.
        return new ImageRejectedException(
                FailureReason.TOO_LARGE, "object over the download limit (" + url + ")", failure);
    }
}
