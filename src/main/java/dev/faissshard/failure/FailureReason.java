package dev.faissshard.failure;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * Why one catalogue image could not be embedded. Transient reasons are retried by a later job;
 * permanent ones are not, since the same bytes would fail the same way.
 */
public enum FailureReason {
    /**
     * The server answered with a non-2xx status that retrying will not change, such as 404 (detail
     * carries it).
     */
    HTTP_STATUS(false),
    /**
     * The server answered 5xx or 429 through every retry: overloaded or down, so a later job tries
     * again.
     */
    SERVER_UNAVAILABLE(true),
    /** Connect or read timed out. */
    TIMEOUT(true),
    /**
     * The host still answered 429 / 503 after the image was re-queued, or its backoff ({@code
     * Retry-After} or adaptive) outlasted the image's re-queue budget ({@code
     * fsb.fetch.throttle-budget}): the next job tries again.
     */
    THROTTLED(true),
    /**
     * A straggler of its batch, abandoned after {@code fsb.fetch.tail-timeout} so that one slow
     * host does not hold the batch: the next job tries again.
     */
    TAIL_TIMEOUT(true),
    /** Connection refused, reset, DNS failure and the like. */
    CONNECTION(true),
    /** The body is larger than the configured maximum. */
    TOO_LARGE(false),
    /** More redirects than allowed, or a redirect loop. */
    TOO_MANY_REDIRECTS(false),
    /** A {@code file:} URL or storage object that does not exist. */
    NOT_FOUND(false),
    /** The URL scheme is neither http(s) nor file. */
    UNSUPPORTED_URL(false),
    /**
     * The catalogue's URL text is not a URL at all (bad host, bad port, unparseable): fix the row.
     */
    INVALID_URL(false),
    /**
     * The egress policy refused the destination: it resolves to a loopback, private, link-local,
     * metadata or otherwise reserved address that {@code fsb.fetch.egress.allow} does not allow, or
     * to a denied range.
     */
    EGRESS_REFUSED(false),
    /**
     * A {@code file:} or relative image URL outside the allowed folders, or naming something that
     * is not a regular file (a folder, device, FIFO, {@code /proc} entry).
     */
    FILE_REFUSED(false),
    /** A local file under the allowed folders that could not be read (an I/O error). */
    READ_ERROR(true),
    /**
     * The server sent the body in a {@code Content-Encoding} the fetcher does not decode (br,
     * zstd…).
     */
    UNSUPPORTED_ENCODING(false),
    /** The bytes are not an image at all (HTML, PDF, SVG, empty body…). */
    NOT_AN_IMAGE(false),
    /** An image format no installed decoder reads. */
    UNSUPPORTED_FORMAT(false),
    /** The header promises more pixels than allowed (decompression bomb). */
    TOO_MANY_PIXELS(false),
    /** A recognised format whose data is truncated or damaged. */
    CORRUPT(false),
    /** The model failed on this image. */
    EMBEDDING_FAILED(false),
    /**
     * Something failed that has no reason of its own (a bug in the service, not a fact about the
     * image): transient, so that a later job tries the image again instead of recording a false
     * verdict.
     */
    UNEXPECTED_ERROR(true);

    private final boolean transientFailure;

    FailureReason(boolean transientFailure) {
        this.transientFailure = transientFailure;
    }

    /** Whether a later job should try this image again. */
    public boolean isTransient() {
        return transientFailure;
    }

    /** Lower-case name as used in JSON, metrics tags and logs. */
    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static FailureReason fromKey(String key) {
        return valueOf(key.trim().toUpperCase(Locale.ROOT));
    }
}
