package dev.faissshard.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page, in place of Boot's: what fails outside Spring MVC (a filter's 413, a request
 * Tomcat or Spring Security's firewall rejects, an exception thrown by a filter) is answered as a
 * problem too.
 */
@RestController
class ProblemErrorController implements ErrorController {

    @RequestMapping("${server.error.path:/error}")
    ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (!(status instanceof Integer code)) {
            // Called directly rather than as the error page.
            return ResponseEntity.status(404).body(ErrorPages.forStatus(404));
        }
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        ProblemDetail problem;
        if (code == 500) {
            Object failure = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
            problem =
                    ErrorPages.internalError(
                            failure instanceof Throwable t ? t : null,
                            request.getMethod() + " " + uri);
        } else {
            problem = ErrorPages.forStatus(code);
        }
        if (uri instanceof String path) {
            try {
                problem.setInstance(URI.create(path));
            } catch (IllegalArgumentException notAUri) {
                // A path Tomcat let through but java.net.URI refuses: leave instance out.
            }
        }
        return ResponseEntity.status(HttpStatusCode.valueOf(code)).body(problem);
    }
}
