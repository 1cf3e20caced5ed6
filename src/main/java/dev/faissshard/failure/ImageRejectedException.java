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

    /**
     * A header declaring more than {@code maxPixels} pixels, refused before any decoding: the same
     * detail whichever decoder read the header.
     */
    public static ImageRejectedException tooManyPixels(int width, int height, long maxPixels) {
        return new ImageRejectedException(
                FailureReason.TOO_MANY_PIXELS,
                width
                        + "x"
                        + height
                        + " = "
                        + (long) width * height
                        + " pixels, over the limit of "
                        + maxPixels);
    }

    public FailureReason reason() {
        return reason;
    }

    /** Human-readable detail: status code, limit exceeded, decoder message… */
    public String detail() {
        return getMessage();
    }
}
