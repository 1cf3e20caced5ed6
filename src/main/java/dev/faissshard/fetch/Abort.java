package dev.faissshard.fetch;

import org.apache.hc.core5.concurrent.Cancellable;

/**
 * Lets a download be abandoned from outside its thread (a straggler given up by its batch): the
 * request in flight is cancelled, which closes its connection, and no later hop starts.
 */
final class Abort {

    private boolean aborted;
    private Cancellable current;

    /** Watches the request about to be sent; cancels it at once when already aborted. */
    synchronized void watch(Cancellable request) {
        current = request;
        if (aborted) {
            request.cancel();
        }
    }

    synchronized void abort() {
        aborted = true;
        if (current != null) {
            current.cancel();
        }
    }
}
