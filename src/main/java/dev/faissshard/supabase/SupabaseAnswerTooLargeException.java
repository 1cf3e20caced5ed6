package dev.faissshard.supabase;

/**
 * The answer's body was larger than the client reads into memory; asking again would bring the same
 * body.
 */
public final class SupabaseAnswerTooLargeException extends SupabaseException {

    SupabaseAnswerTooLargeException(String request, Throwable cause) {
        super(request + ": the answer is larger than the client accepts", cause);
    }

    @Override
    public boolean isTransient() {
        return false;
    }
}
