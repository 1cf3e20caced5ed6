package dev.faissshard.job;

/** No job has this id. */
public class JobNotFoundException extends RuntimeException {

    JobNotFoundException(String jobId) {
        super("No job with id " + jobId);
    }
}
