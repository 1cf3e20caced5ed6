package dev.faissshard.build;

import dev.faissshard.lease.LeaseLostException;
import dev.faissshard.storage.StorageUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Patience with storage: a storage step of a build that fails because storage is unavailable
 * ({@link StorageUnavailableException}, by type: unreachable, timeouts, 5xx, 429 after the client's
 * own retries) is tried again with a doubling backoff for up to {@code fsb.storage.outage-timeout},
 * while the job shows {@code WAITING}. It then goes on by itself; only past the timeout (or the
 * job's deadline) does it fail. Cancel and shutdown end the wait at once.
 *
 * <p>Repeating a step is safe because the steps it guards are: a commit writes objects (an
 * immutable one already there with the same bytes is kept), then progress, then the manifest, then
 * deletes, and a repeat after a partial commit picks up where the failed one stopped. A lease that
 * could not be renewed during the outage counts as part of it: it is renewed as soon as storage
 * answers, and the commit fails at once if the index was taken over meanwhile.
 *
 * <p>Thread-safe: holds no state between calls.
 */
@Component
public class StorageOutagePolicy {

    private static final Logger log = LoggerFactory.getLogger(StorageOutagePolicy.class);

    private final StorageOutageProperties properties;
    private final BuildMetrics metrics;
    private final Clock clock;

    StorageOutagePolicy(StorageOutageProperties properties, BuildMetrics metrics, Clock clock) {
        this.properties = properties;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Runs {@code step}, waiting out a storage outage; returns its result, or null when the build
     * was stopped (cancel, shutdown) while waiting.
     *
     * @throws StorageOutageException when storage stayed unavailable past the outage timeout
     * @throws DeadlineExceededException when the job's deadline passed while waiting
     */
    public <T> T run(String what, BuildControl control, Supplier<T> step)
            throws InterruptedException {
        Instant since = null;
        Instant until = null;
        long accounted = 0;
        Duration backoff = properties.outageInitialBackoff();
        boolean renewed = false;
        while (true) {
            try {
                T result = step.get();
                if (since != null) {
                    accounted = account(accounted);
                    Instant now = clock.instant();
                    control.storageAvailable(now);
                    log.info(
                            "Storage answers again after {}: {} went through",
                            Duration.between(since, now),
                            what);
                }
                return result;
            } catch (StorageUnavailableException | LeaseLostException ex) {
                // A lease that lapsed while storage was away is renewed now (a takeover is thrown):
                // once that went through, the step is tried again at once.
                if (ex instanceof LeaseLostException && !renewed && control.renewLease()) {
                    renewed = true;
                    continue;
                }
                renewed = false;
                Instant now = clock.instant();
                if (since == null) {
                    since = now;
                    until = now.plus(properties.outageTimeout());
                    accounted = System.nanoTime();
                    control.storageUnavailable(since, until);
                    log.warn(
                            "Storage unavailable ({}) during {}; waiting for it until {}",
                            ex.getClass().getSimpleName(),
                            what,
                            until);
                } else {
                    accounted = account(accounted);
                }
                Instant deadline = control.deadline();
                if (deadline != null && !now.isBefore(deadline)) {
                    throw new DeadlineExceededException(deadline);
                }
                if (!now.isBefore(until)) {
                    log.warn(
                            "Storage still unavailable after {}; giving up {}",
                            properties.outageTimeout(),
                            what);
                    throw new StorageOutageException(properties.outageTimeout(), ex);
                }
                Instant wakeAt = now.plus(backoff);
                wakeAt = wakeAt.isAfter(until) ? until : wakeAt;
                wakeAt = deadline != null && wakeAt.isAfter(deadline) ? deadline : wakeAt;
                Duration delay = Duration.between(now, wakeAt);
                if (!control.awaitRetry(delay.isNegative() ? Duration.ZERO : delay)) {
                    account(accounted);
                    log.info("Stopped while waiting for storage during {}", what);
                    return null;
                }
                Duration doubled = backoff.multipliedBy(2);
                backoff =
                        doubled.compareTo(properties.outageMaxBackoff()) > 0
                                ? properties.outageMaxBackoff()
                                : doubled;
            }
        }
    }

    /** Adds the time since {@code mark} to the outage counter; returns the new mark. */
    private long account(long mark) {
        long now = System.nanoTime();
        metrics.outage(now - mark);
        return now;
    }
}
