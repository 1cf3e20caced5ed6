package dev.faissshard.build;

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
}
