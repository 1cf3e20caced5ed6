package dev.faissshard.storage.supabase;

import dev.faissshard.storage.BucketNotFoundException;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.ObjectNotFoundException;
import dev.faissshard.storage.ObjectTooLargeException;
import dev.faissshard.storage.StorageAccessDeniedException;
import dev.faissshard.storage.StorageException;
import dev.faissshard.storage.StorageUnavailableException;
import dev.faissshard.supabase.SupabaseHttpException;
import dev.faissshard.supabase.TransientFailures;

/**
 * The one place where Supabase Storage failures become the {@link StorageException} family. The message
 * keeps Supabase's own words and code, so a failed job's reason says what the server said.
 */
final class SupabaseStorageErrors {

    private SupabaseStorageErrors() {
    }

    static StorageException translate(String operation, Throwable failure) {
        if (failure instanceof StorageException storage) {
            return storage;
        }
        SupabaseHttpException http = httpCause(failure);
        if (http == null) {
            String what = TransientFailures.isTransient(failure) ? "Supabase Storage unreachable: " : "Supabase Storage call failed: ";
            return new StorageUnavailableException(what + operation + ": " + TransientFailures.describe(failure), failure);
        }
        int status = http.effectiveStatus();
        String code = http.body().code();
        String message = "Supabase Storage: " + operation + ": " + status + " " + http.body().summary();
        if (http.isTransient()) {
            return new StorageUnavailableException(message, http);
        }
        return switch (status) {
            case 404 -> code.equals("NoSuchBucket") || http.body().message().startsWith("Bucket not found")
                    ? new BucketNotFoundException(message, http)
                    : new ObjectNotFoundException(message, http);
            case 409 -> new ObjectAlreadyExistsException(message, http);
            case 413 -> new ObjectTooLargeException(message, http);
            case 401, 403 -> new StorageAccessDeniedException(message, http);
            default -> new StorageException(message, http);
        };
    }

    private static SupabaseHttpException httpCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SupabaseHttpException http) {
                return http;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return null;
    }
}
