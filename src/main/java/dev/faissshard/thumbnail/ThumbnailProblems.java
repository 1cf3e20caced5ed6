package dev.faissshard.thumbnail;

import dev.faissshard.api.ProblemTypes;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The thumbnail endpoint's failures as RFC 9457 problems with fixed details: never the id, the
 * image URL or what the image server sent. Other failures (catalogue unreadable, storage down) are
 * the API advice's.
 */
@RestControllerAdvice(basePackageClasses = ThumbnailProblems.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ThumbnailProblems {

    /**
     * The endpoint, not the request's path: Spring would otherwise fill in the path, id and all.
     */
    private static final URI INSTANCE = URI.create("/thumbnails");

    @ExceptionHandler(ThumbnailFailure.class)
    ResponseEntity<ProblemDetail> failure(ThumbnailFailure ex) {
        ThumbnailFailure.Kind kind = ex.kind();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(kind.status, kind.detail);
        problem.setType(ProblemTypes.of(kind.slug));
        problem.setTitle(kind.title);
        problem.setInstance(INSTANCE);
        ResponseEntity.BodyBuilder response = ResponseEntity.status(kind.status);
        if (kind == ThumbnailFailure.Kind.BUSY) {
            response.header(HttpHeaders.RETRY_AFTER, "1");
        }
        return response.contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
    }

    @ExceptionHandler(InvalidThumbnailIdException.class)
    ResponseEntity<ProblemDetail> invalid(InvalidThumbnailIdException ex) {
        ProblemDetail problem =
                ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "id " + ex.getMessage());
        problem.setType(ProblemTypes.of("invalid-request"));
        problem.setTitle("Invalid request");
        problem.setInstance(INSTANCE);
        problem.setProperty("errors", List.of(Map.of("field", "id", "message", ex.getMessage())));
        return ResponseEntity.badRequest()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem);
    }
}
