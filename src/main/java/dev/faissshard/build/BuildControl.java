package dev.faissshard.build;

import java.time.Duration;
import java.time.Instant;

/** How the control plane steers a running build, between batches only. */
public interface BuildControl {

    /**
     * Blocks while the build is paused; false when it must stop (cancelled, or the service stops).
     */
    boolean checkpoint() throws InterruptedException;

    /**
     * Throws when this process may no longer write the index, because another process took it over
     * while this one stalled; called before every commit.
     */
    void checkMayWrite();

    /**
     * After {@link #checkMayWrite()} refused: renews the lease now, if it merely could not be
     * renewed lately (storage did not answer). Returns whether this process may write again; throws
     * the refusal when the index was taken over for good.
     */
    default boolean renewLease() {
        checkMayWrite();
        return true;
    }

    /** When the build must stop at its next batch boundary; null for never. */
    default Instant deadline() {
        return null;
    }

    /** Storage stopped answering at {@code since}; the build waits for it until {@code until}. */
    default void storageUnavailable(Instant since, Instant until) {}

    /** Storage answers again; the build goes on. */
    default void storageAvailable(Instant now) {}

    /**
     * Waits before the next storage attempt; returns early, false, when the build must stop
     * (cancel, shutdown).
     */
    default boolean awaitRetry(Duration delay) throws InterruptedException {
        Thread.sleep(delay.toMillis());
        return true;
    }
}
