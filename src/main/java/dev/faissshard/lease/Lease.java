package dev.faissshard.lease;

import dev.faissshard.index.IndexLayout;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A held lease of one index, renewed in the background. The job calls {@link #checkHeld()} before
 * each commit and {@link #close()} when it ends.
 *
 * <p>Thread-safe: the renewal thread and the job thread share it.
 */
public final class Lease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Lease.class);

    private final IndexLeases leases;
    private final IndexLayout layout;
    private final String folder;
    private volatile LeaseRecord record;
    private volatile String lost;
    private ScheduledFuture<?> renewal;

    Lease(IndexLeases leases, IndexLayout layout, String folder, LeaseRecord record) {
        this.leases = leases;
        this.layout = layout;
        this.folder = folder;
        this.record = record;
    }

    /**
     * No lease: for stores no other process writes to ({@code fsb.lease.enabled=false}), and jobs
     * not yet started.
     */
    public static Lease none() {
        return new Lease(null, null, null, null);
    }

    /** The generation held, or 0 when leases are off. */
    public long generation() {
        LeaseRecord current = record;
        return current == null ? 0 : current.generation();
    }

    /**
     * Throws {@link LeaseLostException} unless this process may still write: the lease was not
     * taken over and at least a third of its time is left, so the commit that follows ends before
     * anyone may take over.
     */
    public void checkHeld() {
        if (leases == null) {
            return;
        }
        String reason = lost;
        if (reason != null) {
            throw new LeaseLostException(reason);
        }
        LeaseRecord current = record;
        Duration margin = leases.properties().ttl().dividedBy(3);
        Instant now = leases.now();
        if (!now.isBefore(current.expiresAt().minus(margin))) {
            throw new LeaseLostException(
                    "The lease of "
                            + describe()
                            + " could not be renewed since "
                            + current.renewedAt()
                            + " and expires at "
                            + current.expiresAt()
                            + "; this job stops writing so that another process may take over safely");
        }
    }

    /**
     * Whether another process took the lease over (or it was deleted): then {@link #checkHeld()}
     * refuses for good, not merely until the next renewal goes through.
     */
    public boolean takenOver() {
        return lost != null;
    }

    /**
     * Renews now rather than at the next tick: after a storage outage, so that the job's commit
     * need not wait for the renewal schedule. Failures are handled as a scheduled renewal's are.
     */
    public void renewNow() {
        renew();
    }

    @Override
    public synchronized void close() {
        if (leases == null) {
            return;
        }
        if (renewal != null) {
            renewal.cancel(false);
        }
        if (lost == null) {
            try {
                leases.release(folder, record);
            } catch (RuntimeException ex) {
                // It then simply expires (or is taken over sooner by a process on this machine).
                log.warn(
                        "Could not release the lease of {} ({}); it expires at {}",
                        describe(),
                        ex.getClass().getSimpleName(),
                        record.expiresAt());
            }
        }
    }

    synchronized void schedule(ScheduledExecutorService renewals, Duration every) {
        renewal =
                renewals.scheduleWithFixedDelay(
                        this::renew, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * One renewal; failures are retried at the next tick, and {@link #checkHeld()} notices expiry.
     */
    void renew() {
        if (lost != null) {
            return;
        }
        try {
            record = leases.renew(folder, record);
        } catch (LeaseLostException ex) {
            lost = ex.getMessage();
            log.error("{}; the job on it stops at its next commit", ex.getMessage());
        } catch (RuntimeException ex) {
            log.warn(
                    "Could not renew the lease of {} ({}); trying again, it expires at {}",
                    describe(),
                    ex.getMessage(),
                    record.expiresAt());
        }
    }

    private String describe() {
        return layout.prefix().isEmpty()
                ? "the index at the store's root"
                : "the index at prefix " + layout.prefix();
    }
}
