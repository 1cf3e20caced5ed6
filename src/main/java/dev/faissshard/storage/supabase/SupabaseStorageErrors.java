package dev.faissshard.storage.supabase;

import dev.faissshard.storage.BucketNotFoundException;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.ObjectNotFoundException;
import dev.faissshard.storage.ObjectTooLargeException;
import dev.faissshard.storage.StorageAccessDeniedException;
import dev.faissshard.storage.StorageException;
import dev.faissshard.storage.StorageUnavailableException;
import dev.faissshard.supabase.SupabaseAccessDeniedException;
import dev.faissshard.supabase.SupabaseAlreadyExistsException;
import dev.faissshard.supabase.SupabaseException;
import dev.faissshard.supabase.SupabaseHttpException;
import dev.faissshard.supabase.SupabaseNotFoundException;
import dev.faissshard.supabase.SupabaseTooLargeException;

/**
 * The one place where Supabase Storage failures become the {@link StorageException} family, by
 * their type. The message keeps Supabase's own words and code, so that the log says what the server
 * said.
 */
final class SupabaseStorageErrors {

    private SupabaseStorageErrors() {}

    static StorageException translate(String operation, RuntimeException failure) {
        if (failure instanceof StorageException storage) {
            return storage;
        }
        if (failure instanceof SupabaseHttpException http) {
            return answered(operation, http);
        }
        if (failure instanceof SupabaseException unanswered && unanswered.isTransient()) {
            return new StorageUnavailableException(
                    "Supabase Storage unreachable: " + operation + ": " + unanswered.getMessage(),
                    unanswered);
        }
        return new StorageUnavailableException(
                "Supabase Storage call failed: "
                        + operation
                        + ": "
                        + (failure instanceof SupabaseException
                                ? failure.getMessage()
                                : failure.getClass().getSimpleName()),
                failure);
    }

    private static StorageException answered(String operation, SupabaseHttpException http) {
        String message =
                "Supabase Storage: "
                        + operation
                        + ": "
                        + http.effectiveStatus()
                        + " "
                        + http.body().summary();
        if (http.isTransient()) {
            return new StorageUnavailableException(message, http);
        }
        if (http instanceof SupabaseNotFoundException missing) {
            return missing.bucketMissing()
                    ? new BucketNotFoundException(message, http)
                    : new ObjectNotFoundException(message, http);
        }
        if (http instanceof SupabaseAlreadyExistsException) {
            return new ObjectAlreadyExistsException(message, http);
        }
        if (http instanceof SupabaseTooLargeException) {
            return new ObjectTooLargeException(message, http);
        }
        if (http instanceof SupabaseAccessDeniedException) {
            return new StorageAccessDeniedException(message, http);
        }
        return new StorageException(message, http);
    }
}
