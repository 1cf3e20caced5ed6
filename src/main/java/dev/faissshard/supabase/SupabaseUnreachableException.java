package dev.faissshard.supabase;

import dev.faissshard.failure.Causes;

/**
 * The server could not be reached or the connection broke before the answer was complete (refused,
 * reset, closed early, unknown host). Whether the request took effect is unknown.
 */
public final class SupabaseUnreachableException extends SupabaseException {

    SupabaseUnreachableException(String request, Throwable cause) {
        super(request + ": connection failed (" + rootOf(cause) + ")", cause);
    }

    // The client's own words ("Connection refused"), never the server's.
    private static String rootOf(Throwable cause) {
        Throwable root = Causes.root(cause);
        return root.getClass().getSimpleName()
                + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    @Override
    public boolean isTransient() {
        return true;
    }
}
