package dev.faissshard.fetch;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

import dev.faissshard.image.FailureReason;
import dev.faissshard.image.ImageRejectedException;
import dev.faissshard.storage.supabase.SupabaseObjects;
import dev.faissshard.supabase.SupabaseHttpException;
import dev.faissshard.supabase.TransientFailures;

/**
 * Downloads images that live in a Supabase Storage bucket through the authenticated object API (so
 * private buckets work), off the caller's thread, with retries of transient failures.
 */
final class SupabaseImageFetcher {

    private final SupabaseObjects objects;
    private final long maxBytes;
    private final Executor executor;

    SupabaseImageFetcher(SupabaseObjects objects, long maxBytes, Executor executor) {
        this.objects = objects;
        this.maxBytes = maxBytes;
        this.executor = executor;
    }

    CompletableFuture<byte[]> fetch(URI url, SupabaseObjectUrl object) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return download(url, object);
            }
            catch (ImageRejectedException ex) {
                throw new CompletionException(ex);
            }
        }, executor);
    }

    private byte[] download(URI url, SupabaseObjectUrl object) throws ImageRejectedException {
        byte[] data;
        try {
            data = objects.download(object.bucket(), object.key());
        }
        catch (RuntimeException ex) {
            throw rejection(url, ex);
        }
        if (data.length > maxBytes) {
            throw new ImageRejectedException(FailureReason.TOO_LARGE, data.length + " bytes over the limit of " + maxBytes);
        }
        return data;
    }

    private static ImageRejectedException rejection(URI url, RuntimeException failure) {
        String detail = TransientFailures.describe(failure) + " (" + url + ")";
        if (failure instanceof SupabaseHttpException http && !http.isTransient()) {
            FailureReason reason = http.effectiveStatus() == 404 ? FailureReason.NOT_FOUND : FailureReason.HTTP_STATUS;
            return new ImageRejectedException(reason, detail, failure);
        }
        boolean timeout = detail.startsWith("no answer in time");
        return new ImageRejectedException(timeout ? FailureReason.TIMEOUT : FailureReason.CONNECTION, detail, failure);
    }
}
