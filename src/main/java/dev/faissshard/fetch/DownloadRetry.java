package dev.faissshard.fetch;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.retry.RetryCallback;
import org.springframework.retry.RetryContext;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.backoff.Sleeper;
import org.springframework.retry.backoff.ThreadWaitSleeper;
import org.springframework.retry.context.RetryContextSupport;
import org.springframework.retry.support.RetryTemplate;

/**
 * Retries of one image download on Spring Retry, the service's one retry engine: a connection
 * failure or a 5xx answer other than 503 is tried again after a jittered, doubling pause, at most
 * {@code fsb.fetch.retries} times, and only while the pause still fits before the download's
 * deadline (its total timeout).
 *
 * <p>Thread-safe: each download has its own retry context.
 */
final class DownloadRetry {

    private static final Duration FIRST_DELAY = Duration.ofMillis(200);
    private static final String DEADLINE = "fsb.deadline";

    private final RetryTemplate template = new RetryTemplate();

    DownloadRetry(int retries) {
        this(retries, new ThreadWaitSleeper());
    }

    DownloadRetry(int retries, Sleeper sleeper) {
        template.setRetryPolicy(new Policy(retries));
        template.setBackOffPolicy(new Pause(sleeper));
        template.setThrowLastExceptionOnExhausted(true);
    }

    /**
     * Runs {@code attempt} until it succeeds, fails for good, or the retries or the time are used
     * up.
     */
    byte[] run(long deadlineNanos, RetryCallback<byte[], ImageRejectedException> attempt)
            throws ImageRejectedException {
        try {
            return template.execute(
                    context -> {
                        if (!context.hasAttribute(DEADLINE)) {
                            context.setAttribute(DEADLINE, deadlineNanos);
                        }
                        return attempt.doWithRetry(context);
                    });
        } catch (BackOffInterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new ImageRejectedException(
                    FailureReason.CONNECTION, "interrupted while waiting to retry", ex);
        }
    }

    /**
     * Connection failures and 5xx answers; not 429 / 503, after which the host, not the request,
     * must wait ({@link HostScheduler}).
     */
    static boolean isRetryable(Throwable failure) {
        return !(failure instanceof ThrottledException)
                && failure instanceof ImageRejectedException rejected
                && (rejected.reason() == FailureReason.SERVER_UNAVAILABLE
                        || rejected.reason() == FailureReason.CONNECTION);
    }

    /**
     * Decides once per failure whether to try again and how long to wait first (RetryTemplate asks
     * more than once), so that the wait that is checked against the deadline is the wait that is
     * slept.
     */
    private static final class Policy implements RetryPolicy {

        private static final String DECIDED_AT = "fsb.decidedAt";
        private static final String DECISION = "fsb.decision";
        static final String PAUSE = "fsb.pause";

        private final int retries;

        Policy(int retries) {
            this.retries = retries;
        }

        @Override
        public boolean canRetry(RetryContext context) {
            Throwable last = context.getLastThrowable();
            if (last == null) {
                return true;
            }
            int failures = context.getRetryCount();
            if (Integer.valueOf(failures).equals(context.getAttribute(DECIDED_AT))) {
                return (Boolean) context.getAttribute(DECISION);
            }
            long pause = jittered(FIRST_DELAY.toNanos() << Math.min(failures - 1, 20));
            Object deadline = context.getAttribute(DEADLINE);
            long left = deadline == null ? Long.MAX_VALUE : (Long) deadline - System.nanoTime();
            boolean again = isRetryable(last) && failures <= retries && left > pause;
            context.setAttribute(DECIDED_AT, failures);
            context.setAttribute(DECISION, again);
            context.setAttribute(PAUSE, pause);
            return again;
        }

        @Override
        public RetryContext open(RetryContext parent) {
            return new RetryContextSupport(parent);
        }

        @Override
        public void close(RetryContext context) {}

        @Override
        public void registerThrowable(RetryContext context, Throwable throwable) {
            ((RetryContextSupport) context).registerThrowable(throwable);
        }

        /**
         * Between half and all of the delay, so that workers that failed together do not retry
         * together.
         */
        private static long jittered(long nanos) {
            return nanos / 2 + ThreadLocalRandom.current().nextLong(nanos / 2 + 1);
        }
    }

    /** Sleeps the pause the policy chose. */
    private record Pause(Sleeper sleeper) implements BackOffPolicy {

        @Override
        public BackOffContext start(RetryContext context) {
            return new Context(context);
        }

        @Override
        public void backOff(BackOffContext backOffContext) throws BackOffInterruptedException {
            Object pause = ((Context) backOffContext).retry().getAttribute(Policy.PAUSE);
            try {
                sleeper.sleep(
                        Math.max(1, Duration.ofNanos(pause == null ? 0 : (Long) pause).toMillis()));
            } catch (InterruptedException ex) {
                throw new BackOffInterruptedException(
                        "Interrupted while waiting to retry a download", ex);
            }
        }

        private record Context(RetryContext retry) implements BackOffContext {}
    }
}
