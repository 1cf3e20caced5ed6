package dev.faissshard.fetch;

import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The {@code Retry-After} header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date. Anything else
 * is ignored (the host then gets the adaptive backoff), and a date in the past means now.
 */
final class RetryAfter {

    private RetryAfter() {}

    static Optional<Duration> parse(String value, Clock clock) {
        if (value == null) {
            return Optional.empty();
        }
        String text = value.strip();
        if (!text.isEmpty() && text.length() <= 64 && text.chars().allMatch(RetryAfter::digit)) {
            // More seconds than a long holds is still "a very long time"; the cap applies.
            return Optional.of(
                    Duration.ofSeconds(text.length() > 18 ? Long.MAX_VALUE : Long.parseLong(text)));
        }
        try {
            ZonedDateTime at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME);
            Duration left = Duration.between(clock.instant(), at.toInstant());
            return Optional.of(left.isNegative() ? Duration.ZERO : left);
        } catch (DateTimeParseException ex) {
            return Optional.empty();
        }
    }

    private static boolean digit(int c) {
        return c >= '0' && c <= '9';
    }
}
