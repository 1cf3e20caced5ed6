package dev.faissshard.build;

import java.time.Instant;

/**
 * The job's deadline passed: the build stopped at a batch boundary, keeping everything it had
 * committed. The message names only instants, never data.
 */
public final class DeadlineExceededException extends RuntimeException {

    /** The failure code of a job ended this way. */
    public static final String CODE = "deadline_exceeded";

    public DeadlineExceededException(Instant deadline) {
        super(
                "the job's deadline "
                        + deadline
                        + " passed; it stopped at a batch boundary, keeping what it committed, and"
                        + " the next job resumes from there");
    }
}
