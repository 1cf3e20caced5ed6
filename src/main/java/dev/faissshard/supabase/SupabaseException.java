package dev.faissshard.supabase;

/**
 * A call to a Supabase API failed. The subtypes say how, so that callers catch what they mean ("not
 * found", "already exists", "no answer in time") and never read the message to decide: {@link
 * SupabaseHttpException} and its subtypes when the server answered, {@link
 * SupabaseTimeoutException} and {@link SupabaseUnreachableException} when it did not, {@link
 * SupabaseAnswerTooLargeException} when the answer was more than the client keeps in memory.
 */
public abstract sealed class SupabaseException extends RuntimeException
        permits SupabaseHttpException,
                SupabaseTimeoutException,
                SupabaseUnreachableException,
                SupabaseAnswerTooLargeException {

    SupabaseException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Whether another attempt may cure it; the retry policy asks nothing else. */
    public abstract boolean isTransient();
}
