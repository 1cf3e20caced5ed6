package dev.faissshard.supabase;

/** 413: the object is over the bucket's {@code file_size_limit} or the server's upload cap. */
public final class SupabaseTooLargeException extends SupabaseHttpException {

    SupabaseTooLargeException(String request, int httpStatus, SupabaseErrorBody body) {
        super(request, httpStatus, body, null);
    }
}
