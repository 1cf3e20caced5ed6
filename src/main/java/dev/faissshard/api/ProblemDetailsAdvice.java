package dev.faissshard.api;

import static dev.faissshard.api.ProblemTypes.problem;

import dev.faissshard.catalog.CatalogFormatException;
import dev.faissshard.catalog.CatalogLocationRefusedException;
import dev.faissshard.catalog.CatalogNotFoundException;
import dev.faissshard.catalog.CatalogUnavailableException;
import dev.faissshard.failure.Causes;
import dev.faissshard.index.CorruptProgressException;
import dev.faissshard.index.IndexIncompatibleException;
import dev.faissshard.index.IndexLocationBusyException;
import dev.faissshard.job.InvalidOperationException;
import dev.faissshard.job.JobCapacityException;
import dev.faissshard.job.JobNotFoundException;
import dev.faissshard.job.JobStateConflictException;
import dev.faissshard.job.ServiceStoppingException;
import dev.faissshard.lease.IndexLeaseHeldException;
import dev.faissshard.storage.StorageUnavailableException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

/**
 * Every error of the API as an RFC 9457 problem: one typed exception per failure, one status per
 * type, and the offending field named where there is one.
 */
@RestControllerAdvice
class ProblemDetailsAdvice extends ResponseEntityExceptionHandler {

    @ExceptionHandler(JobNotFoundException.class)
    ProblemDetail notFound(JobNotFoundException ex) {
        ProblemDetail problem =
                problem(HttpStatus.NOT_FOUND, "job-not-found", "Job not found", ex.getMessage());
        // Left unset, the instance would be the request path, repeating the id the client sent.
        problem.setInstance(URI.create("/jobs"));
        return problem;
    }

    @ExceptionHandler(JobStateConflictException.class)
    ProblemDetail stateConflict(JobStateConflictException ex) {
        ProblemDetail problem =
                problem(
                        HttpStatus.CONFLICT,
                        "job-state-conflict",
                        "Job state does not allow this",
                        ex.getMessage());
        problem.setProperty("state", ex.state());
        return problem;
    }

    @ExceptionHandler(IndexLocationBusyException.class)
    ProblemDetail locationBusy(IndexLocationBusyException ex) {
        ProblemDetail problem =
                problem(
                        HttpStatus.CONFLICT,
                        "index-location-busy",
                        "Index is being built by another job",
                        ex.getMessage());
        problem.setProperty("runningJobId", ex.runningJobId());
        return problem;
    }

    @ExceptionHandler(IndexLeaseHeldException.class)
    ProblemDetail leaseHeld(IndexLeaseHeldException ex) {
        ProblemDetail problem =
                problem(
                        HttpStatus.CONFLICT,
                        "index-lease-held",
                        "Index is being built by another process",
                        ex.getMessage());
        problem.setProperty("owner", ex.holder().ownerId());
        problem.setProperty("host", ex.holder().host());
        problem.setProperty("ownerJobId", ex.holder().jobId());
        problem.setProperty("leaseExpiresAt", ex.holder().expiresAt().toString());
        return problem;
    }

    @ExceptionHandler(IndexIncompatibleException.class)
    ProblemDetail incompatible(IndexIncompatibleException ex) {
        ProblemDetail problem =
                problem(
                        HttpStatus.CONFLICT,
                        "index-incompatible",
                        "Index was built with another model or settings",
                        ex.getMessage());
        problem.setProperty("differences", ex.differences());
        return problem;
    }

    @ExceptionHandler(CorruptProgressException.class)
    ProblemDetail corruptProgress(CorruptProgressException ex) {
        return problem(
                HttpStatus.CONFLICT,
                "progress-unreadable",
                "progress.json cannot be used",
                ex.getMessage());
    }

    @ExceptionHandler(JobCapacityException.class)
    ProblemDetail capacity(JobCapacityException ex) {
        return problem(
                HttpStatus.SERVICE_UNAVAILABLE, "job-capacity", "Too many jobs", ex.getMessage());
    }

    @ExceptionHandler(StorageUnavailableException.class)
    ProblemDetail storageUnavailable(StorageUnavailableException ex) {
        return problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "storage-unavailable",
                "Storage unavailable",
                ex.getMessage());
    }

    @ExceptionHandler({CatalogNotFoundException.class, CatalogFormatException.class})
    ProblemDetail catalog(RuntimeException ex) {
        ProblemDetail problem =
                problem(
                        HttpStatus.BAD_REQUEST,
                        "catalog-unusable",
                        "Catalogue cannot be read",
                        ex.getMessage());
        problem.setProperty(
                "errors", List.of(Map.of("field", "catalog.location", "message", ex.getMessage())));
        return problem;
    }

    @ExceptionHandler(CatalogLocationRefusedException.class)
    ProblemDetail catalogRefused(CatalogLocationRefusedException ex) {
        ProblemDetail problem =
                problem(
                        HttpStatus.BAD_REQUEST,
                        "catalog-location-refused",
                        "Catalogue location not allowed",
                        ex.getMessage());
        problem.setProperty(
                "errors", List.of(Map.of("field", "catalog.location", "message", ex.getMessage())));
        return problem;
    }

    @ExceptionHandler(ServiceStoppingException.class)
    ProblemDetail stopping(ServiceStoppingException ex) {
        return problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "service-stopping",
                "Service is shutting down",
                ex.getMessage());
    }

    @ExceptionHandler(CatalogUnavailableException.class)
    ProblemDetail catalogUnavailable(CatalogUnavailableException ex) {
        return problem(
                HttpStatus.SERVICE_UNAVAILABLE,
                "catalog-unavailable",
                "Catalogue unavailable",
                ex.getMessage());
    }

    @ExceptionHandler(InvalidOperationException.class)
    ProblemDetail invalidOperation(InvalidOperationException ex) {
        return problem(
                HttpStatus.BAD_REQUEST,
                "invalid-operation",
                "Request does not fit its operation",
                ex.getMessage());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badArgument(IllegalArgumentException ex) {
        return problem(
                HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", ex.getMessage());
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(
            MethodArgumentNotValidException ex,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        List<Map<String, Object>> errors =
                ex.getBindingResult().getFieldErrors().stream()
                        .map(ProblemDetailsAdvice::fieldError)
                        .toList();
        String detail =
                errors.stream()
                        .map(e -> e.get("field") + " " + e.get("message"))
                        .reduce((a, b) -> a + "; " + b)
                        .orElse("Invalid request");
        ProblemDetail problem =
                problem(HttpStatus.BAD_REQUEST, "invalid-request", "Invalid request", detail);
        problem.setProperty("errors", errors);
        return ResponseEntity.badRequest().body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException ex,
            HttpHeaders headers,
            HttpStatusCode status,
            WebRequest request) {
        if (Causes.contains(ex, RequestBodyTooLargeException.class)) {
            return ResponseEntity.status(413).body(ErrorPages.bodyTooLarge());
        }
        JsonBodyError error =
                ex.getCause() instanceof JacksonException jackson
                        ? JsonBodyError.of(jackson)
                        : new JsonBodyError(null, "is missing or not readable as JSON");
        ProblemDetail problem =
                problem(
                        HttpStatus.BAD_REQUEST,
                        "invalid-request",
                        "Invalid request",
                        error.detail());
        if (error.field() != null) {
            problem.setProperty(
                    "errors", List.of(Map.of("field", error.field(), "message", error.message())));
        }
        return ResponseEntity.badRequest().body(problem);
    }

    /**
     * Spring MVC's own failures (unknown path, wrong method or media type, …) get our stable types
     * and details that do not repeat what the caller sent; a server-side one becomes {@code
     * internal-error}.
     */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception ex,
            Object body,
            HttpHeaders headers,
            HttpStatusCode statusCode,
            WebRequest request) {
        if (statusCode.value() == 500) {
            return ResponseEntity.status(statusCode)
                    .headers(headers)
                    .body(internalError(ex, request));
        }
        ResponseEntity<Object> response =
                super.handleExceptionInternal(ex, body, headers, statusCode, request);
        // Spring leaves the type of its own problems unset (about:blank when written).
        if (response != null
                && response.getBody() instanceof ProblemDetail problem
                && (problem.getType() == null
                        || !problem.getType().toString().startsWith(ProblemTypes.BASE))) {
            ErrorPages.retype(problem, statusCode.value());
        }
        return response;
    }

    /**
     * Anything not mapped above is a bug: the caller gets an id to quote, the log gets the rest.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception ex, WebRequest request) {
        return ResponseEntity.internalServerError().body(internalError(ex, request));
    }

    private static ProblemDetail internalError(Exception ex, WebRequest request) {
        String path =
                request instanceof ServletWebRequest servlet
                        ? servlet.getRequest().getMethod()
                                + " "
                                + servlet.getRequest().getRequestURI()
                        : request.getDescription(false);
        return ErrorPages.internalError(ex, path);
    }

    private static Map<String, Object> fieldError(FieldError error) {
        return Map.of(
                "field", error.getField(), "message", String.valueOf(error.getDefaultMessage()));
    }
}
