package dev.faissshard.fetch;

import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;

import org.springframework.core.io.buffer.DataBufferLimitException;

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

    /**
     * Typed, never by message text; the detail names the status, never the error body (it is the Storage
     * server's text, and details are shown to every caller of the job view).
     */
    private static ImageRejectedException rejection(URI url, RuntimeException failure) {
        SupabaseHttpException http = find(failure, SupabaseHttpException.class);
        if (http != null) {
            int status = http.effectiveStatus();
            String detail = "Supabase Storage answered HTTP " + status + " (" + url + ")";
            FailureReason reason = http.isTransient() ? FailureReason.SERVER_UNAVAILABLE
                    : status == 404 ? FailureReason.NOT_FOUND : FailureReason.HTTP_STATUS;
            return new ImageRejectedException(reason, detail, failure);
        }
        if (find(failure, DataBufferLimitException.class) != null) {
            return new ImageRejectedException(FailureReason.TOO_LARGE, "object over the download limit (" + url + ")", failure);
        }
        if (find(failure, TimeoutException.class) != null || find(failure, io.netty.handler.timeout.TimeoutException.class) != null) {
            return new ImageRejectedException(FailureReason.TIMEOUT, "no answer in time from Supabase Storage (" + url + ")", failure);
        }
        if (TransientFailures.isTransient(failure)) {
            return new ImageRejectedException(FailureReason.CONNECTION,
                    "connection to Supabase Storage failed: " + innermost(failure).getClass().getSimpleName() + " (" + url + ")",
                    failure);
        }
        return new ImageRejectedException(FailureReason.UNEXPECTED_ERROR,
                "unexpected " + innermost(failure).getClass().getSimpleName() + " (" + url + ")", failure);
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }

    private static Throwable innermost(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }
}
