package dev.faissshard.supabase;

import java.io.IOException;
import java.util.concurrent.TimeoutException;

import org.springframework.core.io.buffer.DataBufferLimitException;

/** Which failures another attempt may cure: timeouts, broken connections, 5xx and 429. */
public final class TransientFailures {

    private TransientFailures() {
    }

    public static boolean isTransient(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SupabaseHttpException http) {
                return http.isTransient();
            }
            if (cause instanceof DataBufferLimitException) {
                return false;
            }
            if (cause instanceof TimeoutException || cause instanceof IOException
                    || cause instanceof io.netty.handler.timeout.TimeoutException
                    || cause instanceof reactor.netty.http.client.PrematureCloseException
                    || cause instanceof io.netty.channel.ChannelException) {
                return true;
            }
            if (cause.getCause() == cause) {
                break;
            }
        }
        return false;
    }

    /** The innermost message, for reasons shown to users: "Connection reset by peer" rather than a wrapper. */
    public static String describe(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SupabaseHttpException http) {
                return http.getMessage();
            }
        }
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (root instanceof TimeoutException || root instanceof io.netty.handler.timeout.TimeoutException) {
            return "no answer in time" + (message == null ? "" : " (" + message + ")");
        }
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
