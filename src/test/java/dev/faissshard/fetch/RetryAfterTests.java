package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Retry-After as RFC 9110 writes it: delta-seconds or an HTTP-date; anything else is ignored. */
class RetryAfterTests {

    private static final Clock NOW =
            Clock.fixed(Instant.parse("2026-12-02T01:00:00Z"), ZoneOffset.UTC);

    @Test
    void deltaSecondsAndDatesAreReadAndAPastDateMeansNow() {
        assertThat(RetryAfter.parse("120", NOW)).contains(Duration.ofSeconds(120));
        assertThat(RetryAfter.parse(" 0 ", NOW)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("99999999999999999999", NOW))
                .contains(Duration.ofSeconds(Long.MAX_VALUE));
        assertThat(RetryAfter.parse("Wed, 02 Dec 2026 01:00:30 GMT", NOW))
                .contains(Duration.ofSeconds(30));
        assertThat(RetryAfter.parse("Wed, 02 Dec 2026 00:59:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void anythingElseIsIgnored() {
        for (String value :
                new String[] {null, "", "-5", "1.5", "soon", "\u0661\u0662", "2026-12-02"}) {
            assertThat(RetryAfter.parse(value, NOW)).as("%s", value).isEmpty();
        }
    }
}
