package dev.faissshard.supabase;

/**
 * No answer in time: the connection was not opened, or the answer did not come, within the
 * configured timeout.
 */
public final class SupabaseTimeoutException extends SupabaseException {

    SupabaseTimeoutException(String request, Throwable cause) {
        super(request + ": no answer in time", cause);
    }

    @Override
    public boolean isTransient() {
        return true;
    }
}
