package dev.faissshard.supabase;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.retry.RetryContext;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.context.RetryContextSupport;

/** Backoff between attempts: exponential with jitter, or the server's Retry-After, capped. */
class RetryAfterBackOffPolicyTests {

    private final List<Long> sleeps = new ArrayList<>();
    private final SupabaseProperties.Retry retry =
            new SupabaseProperties.Retry(6, Duration.ofMillis(100), Duration.ofSeconds(5), 2.0);
    private final RetryAfterBackOffPolicy policy = new RetryAfterBackOffPolicy(retry, sleeps::add);

    @Test
    void backsOffExponentiallyWithJitterWithinTheCap() {
        RetryContext context = context(new java.io.IOException("Connection reset by peer"));
        BackOffContext backOff = policy.start(context);
        for (int i = 0; i < 8; i++) {
            policy.backOff(backOff);
        }
        assertThat(sleeps).hasSize(8);
        assertThat(sleeps.get(0)).isBetween(100L, 200L);
        assertThat(sleeps.get(2)).isBetween(400L, 800L);
        assertThat(sleeps).allMatch(sleep -> sleep <= 5000L);
    }

    @Test
    void honoursRetryAfterUpToTheLongestBackoff() {
        RetryContext context = context(rateLimited("2"));
        BackOffContext backOff = policy.start(context);
        policy.backOff(backOff);
        ((RetryContextSupport) context).registerThrowable(rateLimited("3600"));
        policy.backOff(backOff);
        assertThat(sleeps).containsExactly(2000L, 5000L);
    }

    @Test
    void retryAfterMayBeAnHttpDate() {
        assertThat(SupabaseHttp.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT"))
                .isEqualTo(Duration.ZERO);
        assertThat(SupabaseHttp.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(SupabaseHttp.retryAfter("soon")).isNull();
    }

    @Test
    void onlyTimeoutsResetsFiveHundredsAndRateLimitsAreTransient() {
        assertThat(SupabaseHttp.isTransient(rateLimited("1"))).isTrue();
        assertThat(
                        SupabaseHttp.isTransient(
                                error(400, "{\"statusCode\":\"500\",\"message\":\"x\"}")))
                .isTrue();
        assertThat(
                        SupabaseHttp.isTransient(
                                error(
                                        502,
                                        "An invalid response was received from the upstream server")))
                .isTrue();
        assertThat(
                        SupabaseHttp.isTransient(
                                SupabaseFailures.translate(
                                        "call",
                                        new RuntimeException(
                                                new java.util.concurrent.TimeoutException()))))
                .isTrue();
        assertThat(
                        SupabaseHttp.isTransient(
                                SupabaseFailures.translate(
                                        "call",
                                        new RuntimeException(
                                                new java.net.ConnectException(
                                                        "Connection refused")))))
                .isTrue();
        assertThat(
                        SupabaseHttp.isTransient(
                                error(
                                        400,
                                        "{\"statusCode\":\"404\",\"error\":\"not_found\",\"message\":\"Object not found\",\"code\":\"NoSuchKey\"}")))
                .isFalse();
        assertThat(SupabaseHttp.isTransient(error(409, "Upload-Offset conflict"))).isFalse();
        assertThat(
                        SupabaseHttp.isTransient(
                                SupabaseFailures.translate(
                                        "call", new IllegalStateException("bug"))))
                .isFalse();
    }

    private static RetryContext context(Throwable last) {
        RetryContextSupport context = new RetryContextSupport(null);
        context.registerThrowable(last);
        return context;
    }

    private static SupabaseHttpException rateLimited(String retryAfter) {
        return new SupabaseHttpException(
                "upload x",
                429,
                SupabaseErrorBody.parse("{\"message\":\"slow down\"}"),
                SupabaseHttp.retryAfter(retryAfter));
    }

    private static SupabaseHttpException error(int status, String body) {
        return SupabaseHttpException.of("call", status, SupabaseErrorBody.parse(body), null);
    }
}
