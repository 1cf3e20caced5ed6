package dev.faissshard.supabase;

import java.time.Duration;
import org.springframework.retry.RetryContext;
import org.springframework.retry.backoff.BackOffContext;
import org.springframework.retry.backoff.BackOffInterruptedException;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.backoff.ExponentialRandomBackOffPolicy;
import org.springframework.retry.backoff.Sleeper;
import org.springframework.retry.backoff.ThreadWaitSleeper;

/**
 * Exponential backoff with jitter, except after a 429 or 503 that said {@code Retry-After}: then
 * the server's wait is honoured (capped to the longest backoff, so a bad header cannot stall a job
 * for hours).
 */
final class RetryAfterBackOffPolicy implements BackOffPolicy {

    private final ExponentialRandomBackOffPolicy exponential = new ExponentialRandomBackOffPolicy();
    private final Duration maxBackoff;
    private final Sleeper sleeper;

    RetryAfterBackOffPolicy(SupabaseProperties.Retry retry, Sleeper sleeper) {
        this.maxBackoff = retry.maxBackoff();
        this.sleeper = sleeper;
        exponential.setInitialInterval(Math.max(1, retry.initialBackoff().toMillis()));
        exponential.setMultiplier(retry.multiplier());
        exponential.setMaxInterval(Math.max(1, retry.maxBackoff().toMillis()));
        exponential.setSleeper(sleeper);
    }

    RetryAfterBackOffPolicy(SupabaseProperties.Retry retry) {
        this(retry, new ThreadWaitSleeper());
    }

    @Override
    public BackOffContext start(RetryContext context) {
        return new Context(context, exponential.start(context));
    }

    @Override
    public void backOff(BackOffContext backOffContext) throws BackOffInterruptedException {
        Context context = (Context) backOffContext;
        Throwable last = context.retry.getLastThrowable();
        Duration retryAfter =
                last instanceof SupabaseHttpException http ? http.retryAfter().orElse(null) : null;
        if (retryAfter == null) {
            exponential.backOff(context.exponential);
            return;
        }
        try {
            sleeper.sleep(Math.min(retryAfter.toMillis(), maxBackoff.toMillis()));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new BackOffInterruptedException("Interrupted while waiting out Retry-After", ex);
        }
    }

    private record Context(RetryContext retry, BackOffContext exponential)
            implements BackOffContext {}
}
