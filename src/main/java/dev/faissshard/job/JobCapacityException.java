package dev.faissshard.job;

/** Too many jobs are running or queued. */
public class JobCapacityException extends RuntimeException {

    JobCapacityException(String message) {
        super(message);
    }
}
