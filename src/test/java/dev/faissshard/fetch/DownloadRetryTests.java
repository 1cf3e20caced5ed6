package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Download retries: which failures, how often, how long between, and never past the deadline. */
class DownloadRetryTests {

    private final List<Long> pauses = new ArrayList<>();
    private final AtomicInteger attempts = new AtomicInteger();

    @Test
    void connectionFailuresAndServerErrorsAreRetriedWithDoublingJitteredPauses() throws Exception {
        DownloadRetry retry = new DownloadRetry(3, pauses::add);

        byte[] body =
                retry.run(
                        farDeadline(),
                        context -> {
                            if (attempts.incrementAndGet() < 4) {
                                throw new ImageRejectedException(
                                        attempts.get() % 2 == 0
                                                ? FailureReason.SERVER_UNAVAILABLE
                                                : FailureReason.CONNECTION,
                                        "try " + attempts.get());
                            }
                            return new byte[] {7};
                        });

        assertThat(body).containsExactly(7);
        assertThat(attempts).hasValue(4);
        assertThat(pauses).hasSize(3);
        assertThat(pauses.get(0)).isBetween(100L, 200L);
        assertThat(pauses.get(1)).isBetween(200L, 400L);
        assertThat(pauses.get(2)).isBetween(400L, 800L);
    }

    @Test
    void theLastFailureComesBackWhenTheRetriesAreUsedUp() {
        DownloadRetry retry = new DownloadRetry(1, pauses::add);

        assertThatThrownBy(
                        () ->
                                retry.run(
                                        farDeadline(),
                                        context -> {
                                            throw new ImageRejectedException(
                                                    FailureReason.CONNECTION,
                                                    "attempt " + attempts.incrementAndGet());
                                        }))
                .isInstanceOf(ImageRejectedException.class)
                .hasMessage("attempt 2");
        assertThat(pauses).hasSize(1);
    }

    @Test
    void aPermanentFailureIsNotRetried() {
        DownloadRetry retry = new DownloadRetry(3, pauses::add);

        assertThatThrownBy(
                        () ->
                                retry.run(
                                        farDeadline(),
                                        context -> {
                                            attempts.incrementAndGet();
                                            throw new ImageRejectedException(
                                                    FailureReason.HTTP_STATUS, "HTTP 404");
                                        }))
                .isInstanceOf(ImageRejectedException.class)
                .hasMessage("HTTP 404");
        assertThat(attempts).hasValue(1);
        assertThat(pauses).isEmpty();
    }

    @Test
    void aPauseThatWouldEndAfterTheDeadlineIsNotTaken() {
        DownloadRetry retry = new DownloadRetry(3, pauses::add);
        long deadline = System.nanoTime() + Duration.ofMillis(50).toNanos();

        assertThatThrownBy(
                        () ->
                                retry.run(
                                        deadline,
                                        context -> {
                                            attempts.incrementAndGet();
                                            throw new ImageRejectedException(
                                                    FailureReason.CONNECTION, "refused");
                                        }))
                .isInstanceOf(ImageRejectedException.class);
        assertThat(attempts).hasValue(1);
        assertThat(pauses).isEmpty();
    }

    private static long farDeadline() {
        return System.nanoTime() + Duration.ofHours(1).toNanos();
    }
}
