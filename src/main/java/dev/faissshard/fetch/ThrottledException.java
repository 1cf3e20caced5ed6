package dev.faissshard.fetch;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import java.time.Duration;
import java.util.Optional;

/**
 * The host answered 429 or 503: it asks to be left alone, for {@code retryAfter} when it said how
 * long. The {@link HostScheduler} backs the host off and re-queues the image; the reason stands if
 * the exception ever reaches a caller.
 */
final class ThrottledException extends ImageRejectedException {

    private final transient Optional<Duration> retryAfter;

    ThrottledException(String detail, Optional<Duration> retryAfter) {
        super(FailureReason.SERVER_UNAVAILABLE, detail);
        this.retryAfter = retryAfter;
    }

    Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
