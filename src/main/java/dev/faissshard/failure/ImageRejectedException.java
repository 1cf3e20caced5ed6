package dev.faissshard.failure;

/** One image cannot be used, for a recorded reason; never fatal to a job. */
public class ImageRejectedException extends Exception {

    private final FailureReason reason;

    public ImageRejectedException(FailureReason reason, String detail) {
        super(detail);
        this.reason = reason;
    }

    public ImageRejectedException(FailureReason reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    public FailureReason reason() {
        return reason;
    }

    /** Human-readable detail: status code, limit exceeded, decoder message… */
    public String detail() {
        return getMessage();
    }
}
