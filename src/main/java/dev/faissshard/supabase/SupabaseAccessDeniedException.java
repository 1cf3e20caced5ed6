package dev.faissshard.supabase;

/** 401 or 403: the key is invalid, expired, or not allowed this by row-level security. */
public final class SupabaseAccessDeniedException extends SupabaseHttpException {

    SupabaseAccessDeniedException(String request, int httpStatus, SupabaseErrorBody body) {
        super(request, httpStatus, body, null);
    }
}
