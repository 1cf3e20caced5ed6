package dev.faissshard.lease;

import java.time.Duration;
import java.time.Instant;

/**
 * The stored form of one lease generation, {@code <prefix>faiss/lease/<generation>.json}. Format
 * version 1.
 *
 * @param formatVersion of this record
 * @param generation fencing number: a higher one always wins, so a writer that sees a newer
 *     generation stops
 * @param ownerId the process that holds it (random per process)
 * @param host where that process runs, for the person reading a refusal
 * @param processSpace the kernel boot and PID namespace the owner's {@code pid} is valid in, or
 *     null when unknown: a process in the same space can tell whether the owner still lives
 * @param pid the owner's process id in that space
 * @param jobId the job it was taken for
 * @param renewedAt when the owner last wrote it, by the owner's clock
 * @param expiresAt after this the lease may be taken over
 * @param released the owner gave it up: free at once, whatever the clocks say
 */
public record LeaseRecord(
        int formatVersion,
        long generation,
        String ownerId,
        String host,
        String processSpace,
        long pid,
        String jobId,
        Instant renewedAt,
        Instant expiresAt,
        boolean released) {

    static final int FORMAT_VERSION = 1;

    /**
     * Whether another process may take it over at {@code now}, allowing {@code skew} between the
     * clocks.
     */
    boolean freeAt(Instant now, Duration skew) {
        return released || expiresAt.plus(skew).isBefore(now);
    }
}
