package dev.faissshard.job;

/**
 * No job has this id. The message never repeats the id: it comes from the request path, and nothing
 * a client sent is echoed back.
 */
public class JobNotFoundException extends RuntimeException {

    JobNotFoundException(String jobId) {
        super("No job with this id");
    }
}
