package dev.faissshard.supabase;

import java.time.Duration;
import java.util.Optional;

/**
 * Supabase answered with an error. Storage's REST routes answer most errors with HTTP 400 and the real
 * code as a string in the JSON body's {@code statusCode}; TUS and PostgREST use real statuses. Both are
 * kept so that callers can tell "no such key" from "no such bucket".
 *
 * @see SupabaseErrorBody
 */
public final class SupabaseHttpException extends RuntimeException {

    private final int httpStatus;
    private final SupabaseErrorBody body;
    private final Duration retryAfter;

    public SupabaseHttpException(String request, int httpStatus, SupabaseErrorBody body, Duration retryAfter) {
        super(request + " answered " + httpStatus + ": " + body.summary());
        this.httpStatus = httpStatus;
        this.body = body;
        this.retryAfter = retryAfter;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /** The code that counts: the body's {@code statusCode} when it has one, else the HTTP status. */
    public int effectiveStatus() {
        return body.statusCode().orElse(httpStatus);
    }

    public SupabaseErrorBody body() {
        return body;
    }

    /** The server's {@code Retry-After}, if it sent one. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** 5xx and 429 are worth another attempt; any other answer would be the same again. */
    public boolean isTransient() {
        int status = effectiveStatus();
        return httpStatus >= 500 || httpStatus == 429 || status >= 500 || status == 429;
    }
}
