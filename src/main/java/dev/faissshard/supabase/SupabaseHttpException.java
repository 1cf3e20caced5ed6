package dev.faissshard.supabase;

import java.time.Duration;
import java.util.Optional;

/**
 * Supabase answered with an error. Storage's REST routes answer most errors with HTTP 400 and the
 * real code as a string in the JSON body's {@code statusCode}; TUS and PostgREST use real statuses.
 * Both are kept so that callers can tell "no such key" from "no such bucket". The answers callers
 * act on have subtypes, chosen once by {@link #of}: {@link SupabaseNotFoundException}, {@link
 * SupabaseAlreadyExistsException}, {@link SupabaseAccessDeniedException}, {@link
 * SupabaseTooLargeException}.
 *
 * @see SupabaseErrorBody
 */
public sealed class SupabaseHttpException extends SupabaseException
        permits SupabaseNotFoundException,
                SupabaseAlreadyExistsException,
                SupabaseAccessDeniedException,
                SupabaseTooLargeException,
                SupabaseOffsetConflictException {

    private final String request;
    private final int httpStatus;
    private final SupabaseErrorBody body;
    private final Duration retryAfter;

    public SupabaseHttpException(
            String request, int httpStatus, SupabaseErrorBody body, Duration retryAfter) {
        this(request, httpStatus, body, retryAfter, null);
    }

    SupabaseHttpException(
            String request,
            int httpStatus,
            SupabaseErrorBody body,
            Duration retryAfter,
            Throwable cause) {
        super(request + " answered " + httpStatus + ": " + body.summary(), cause);
        this.request = request;
        this.httpStatus = httpStatus;
        this.body = body;
        this.retryAfter = retryAfter;
    }

    /** The failure for an error answer, of the subtype its status calls for. */
    static SupabaseHttpException of(
            String request, int httpStatus, SupabaseErrorBody body, Duration retryAfter) {
        return switch (body.statusCode().orElse(httpStatus)) {
            case 404 -> new SupabaseNotFoundException(request, httpStatus, body, false);
            case 409 -> new SupabaseAlreadyExistsException(request, httpStatus, body);
            case 401, 403 -> new SupabaseAccessDeniedException(request, httpStatus, body);
            case 413 -> new SupabaseTooLargeException(request, httpStatus, body);
            default -> new SupabaseHttpException(request, httpStatus, body, retryAfter);
        };
    }

    /** What was asked, as in the message: {@code upload <bucket>/<key>}, {@code read <table>}. */
    public String request() {
        return request;
    }

    public int httpStatus() {
        return httpStatus;
    }

    /**
     * The code that counts: the body's {@code statusCode} when it has one, else the HTTP status.
     */
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
    @Override
    public boolean isTransient() {
        int status = effectiveStatus();
        return httpStatus >= 500 || httpStatus == 429 || status >= 500 || status == 429;
    }
}
