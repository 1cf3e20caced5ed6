package dev.faissshard.supabase;

import dev.faissshard.failure.Causes;
import io.netty.channel.ChannelException;
import io.netty.channel.ConnectTimeoutException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;
import org.springframework.core.io.buffer.DataBufferLimitException;

/**
 * The one place where what WebClient and Reactor Netty throw becomes the {@link SupabaseException}
 * family, by type: error answers are already {@link SupabaseHttpException}s; timeouts, broken
 * connections and oversized answers get their own types. Anything else is a fault of the client and
 * passes unchanged.
 */
final class SupabaseFailures {

    private SupabaseFailures() {}

    static RuntimeException translate(String request, RuntimeException failure) {
        if (failure instanceof SupabaseException typed) {
            return typed;
        }
        var answered = Causes.find(failure, SupabaseException.class);
        if (answered.isPresent()) {
            return answered.get();
        }
        if (Causes.contains(failure, DataBufferLimitException.class)) {
            return new SupabaseAnswerTooLargeException(request, failure);
        }
        // Netty's ReadTimeoutException is a ChannelException and its ConnectTimeoutException an
        // IOException:
        // timeouts are asked about first.
        if (Causes.contains(
                failure,
                TimeoutException.class,
                io.netty.handler.timeout.TimeoutException.class,
                ConnectTimeoutException.class,
                java.net.SocketTimeoutException.class)) {
            return new SupabaseTimeoutException(request, failure);
        }
        if (Causes.contains(failure, IOException.class, ChannelException.class)) {
            return new SupabaseUnreachableException(request, failure);
        }
        return failure;
    }
}
