package dev.faissshard.testsupabase;

/** What the emulator does instead of (or besides) answering normally. */
public enum Fault {
    /** HTTP 500 before doing anything, as an unhandled server error. */
    INTERNAL_ERROR,
    /** HTTP 503 from a gateway, before doing anything. */
    UNAVAILABLE,
    /** HTTP 429 with {@code Retry-After: 1}, before doing anything. */
    TOO_MANY_REQUESTS,
    /** The connection is closed before the request is handled: no answer, no effect. */
    RESET_BEFORE,
    /** The request is carried out, then the connection is closed: an effect without an answer. */
    RESET_AFTER,
    /**
     * The request is carried out at once but its answer comes only after a delay (longer than a
     * client's read timeout, if the test says so).
     */
    SLOW,
    /**
     * On a TUS {@code PATCH}: half of the chunk is stored, then the connection breaks, as when a
     * network drops mid-upload. Other requests treat it as {@link #RESET_BEFORE}.
     */
    PARTIAL_PATCH
}
