package dev.faissshard.job;

/** The service is shutting down (SIGTERM): it takes no new job. */
public class ServiceStoppingException extends RuntimeException {

    ServiceStoppingException() {
        super(
                "The service is shutting down and accepts no new job; submit it to another instance or after the restart");
    }
}
