package dev.faissshard.supabase;

/**
 * 409: the bucket, object or key already exists (or, on TUS, the upload's object was completed by
 * someone).
 */
public final class SupabaseAlreadyExistsException extends SupabaseHttpException {

    SupabaseAlreadyExistsException(String request, int httpStatus, SupabaseErrorBody body) {
        super(request, httpStatus, body, null);
    }
}
