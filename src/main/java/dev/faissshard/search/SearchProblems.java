package dev.faissshard.search;

import static dev.faissshard.api.ProblemTypes.problem;

import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The search package's failures as RFC 9457 problems, with the same stable type base as every other
 * problem of the API. Everything else (unreadable JSON, wrong media type, storage down) is answered
 * by the API's own advice.
 */
@RestControllerAdvice(basePackageClasses = SearchProblems.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class SearchProblems {

    @ExceptionHandler(SearchFailure.class)
    ResponseEntity<ProblemDetail> failure(SearchFailure ex) {
        ProblemDetail problem = problem(ex.status(), ex.type(), ex.title(), ex.getMessage());
        ResponseEntity.BodyBuilder response = ResponseEntity.status(ex.status());
        if (ex instanceof SearchBusyException) {
            response.header(HttpHeaders.RETRY_AFTER, "1");
        }
        return response.body(problem);
    }

    @ExceptionHandler(InvalidSearchRequestException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidSearchRequestException ex) {
        ProblemDetail problem =
                problem(
                        HttpStatus.BAD_REQUEST,
                        "invalid-request",
                        "Invalid request",
                        ex.field() + " " + ex.getMessage());
        problem.setProperty(
                "errors", List.of(Map.of("field", ex.field(), "message", ex.getMessage())));
        return ResponseEntity.badRequest().body(problem);
    }
}
