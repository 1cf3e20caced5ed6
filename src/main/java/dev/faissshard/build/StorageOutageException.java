package dev.faissshard.build;

import dev.faissshard.storage.StorageUnavailableException;
import java.time.Duration;

/**
 * Storage stayed unavailable for longer than {@code fsb.storage.outage-timeout}: the build gave up
 * waiting. Storage holds exactly what {@code progress.json} names (the last commit that went
 * through), so the next job resumes from there.
 */
public final class StorageOutageException extends StorageUnavailableException {

    /** The failure code of a job ended this way. */
    public static final String CODE = "storage_unavailable";

    StorageOutageException(Duration waited, Throwable last) {
        super("storage stayed unavailable for " + waited + " (fsb.storage.outage-timeout)", last);
    }
}
