package dev.faissshard.index;

import dev.faissshard.failure.FailureReason;
import java.time.Instant;

/**
 * An image that could not be embedded.
 *
 * @param url the URL that failed
 * @param reason why
 * @param detail status code, limit, decoder message…
 * @param attempts how many jobs tried it
 * @param lastAttempt when the last try failed
 */
public record FailureRecord(
        String url, FailureReason reason, String detail, int attempts, Instant lastAttempt) {}
