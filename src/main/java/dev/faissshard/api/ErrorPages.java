package dev.faissshard.api;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * Problems named by HTTP status alone: the ones Spring MVC and Tomcat raise (unknown path, wrong
 * method, oversized body, …) and the ones nobody expected. Details are fixed texts, never the
 * exception's message, which may quote what the caller sent or what the server read.
 */
final class ErrorPages {

    private static final Logger log = LoggerFactory.getLogger(ErrorPages.class);

    private ErrorPages() {}

    /**
     * Gives a problem Spring built with {@code about:blank} our stable type, title and a fixed
     * detail.
     */
    static void retype(ProblemDetail problem, int status) {
        Kind kind = Kind.of(status);
        problem.setType(ProblemTypes.of(kind.type));
        problem.setTitle(kind.title);
        if (kind.detail != null) {
            problem.setDetail(kind.detail);
        }
    }

    static ProblemDetail forStatus(int status) {
        Kind kind = Kind.of(status);
        ProblemDetail problem =
                ProblemDetail.forStatusAndDetail(
                        HttpStatusCode.valueOf(status),
                        kind.detail != null ? kind.detail : kind.title);
        problem.setType(ProblemTypes.of(kind.type));
        problem.setTitle(kind.title);
        return problem;
    }

    static ProblemDetail bodyTooLarge() {
        return forStatus(413);
    }

    /**
     * Logs the failure under a fresh id, with its stack trace, and returns a problem that carries
     * only the id: the caller quotes it, the operator finds the log line.
     */
    static ProblemDetail internalError(Throwable failure, String request) {
        String errorId = UUID.randomUUID().toString();
        log.error("Unexpected error {} answering {}", errorId, request, failure);
        ProblemDetail problem =
                ProblemDetail.forStatusAndDetail(
                        HttpStatus.INTERNAL_SERVER_ERROR,
                        "The server failed to answer this request; the log has the cause under error id "
                                + errorId
                                + ".");
        problem.setType(ProblemTypes.of("internal-error"));
        problem.setTitle("Internal error");
        problem.setProperty("errorId", errorId);
        return problem;
    }

    private enum Kind {
        BAD_REQUEST(400, "invalid-request", "Invalid request", null),
        UNAUTHORIZED(401, "authentication-required", "Authentication required", null),
        FORBIDDEN(403, "forbidden", "Forbidden", null),
        NOT_FOUND(404, "not-found", "Not found", "There is no endpoint at this path."),
        METHOD_NOT_ALLOWED(
                405,
                "method-not-allowed",
                "Method not allowed",
                "This path does not accept this method; the Allow header lists those it does."),
        NOT_ACCEPTABLE(
                406,
                "not-acceptable",
                "Not acceptable",
                "Answers are application/json, or application/problem+json for errors."),
        TOO_LARGE(
                413,
                "payload-too-large",
                "Request body too large",
                "The request body is larger than fsb.api.max-request-body allows."),
        UNSUPPORTED_MEDIA_TYPE(
                415,
                "unsupported-media-type",
                "Unsupported media type",
                "Send the request body as application/json."),
        SERVICE_UNAVAILABLE(503, "service-unavailable", "Service unavailable", null),
        OTHER_CLIENT_ERROR(-1, "client-error", "Request refused", null),
        OTHER_SERVER_ERROR(-2, "server-error", "Server error", null);

        private final int status;
        private final String type;
        private final String title;
        private final String detail;

        Kind(int status, String type, String title, String detail) {
            this.status = status;
            this.type = type;
            this.title = title;
            this.detail = detail;
        }

        static Kind of(int status) {
            for (Kind kind : values()) {
                if (kind.status == status) {
                    return kind;
                }
            }
            return status >= 500 ? OTHER_SERVER_ERROR : OTHER_CLIENT_ERROR;
        }
    }
}
