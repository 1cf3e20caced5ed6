package dev.faissshard.security;

import dev.faissshard.api.ProblemTypes;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * 401 and 403 as RFC 9457 problems with {@code WWW-Authenticate: Bearer} (RFC 6750), answered by
 * the security filters before any controller runs. Details never say which part of a token was
 * wrong.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

    private static final String REALM = "Bearer realm=\"faiss-shard-builder\"";

    private final JsonMapper json;

    SecurityProblems(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(
            HttpServletRequest request,
            HttpServletResponse response,
            AuthenticationException failure)
            throws IOException {
        if (failure instanceof BadCredentialsException) {
            write(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    "invalid-token",
                    "Invalid bearer token",
                    "The bearer token is malformed or not one of the configured API tokens.",
                    REALM + ", error=\"invalid_token\"");
        } else {
            write(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    "authentication-required",
                    "Authentication required",
                    "Send a configured API token as Authorization: Bearer <token>.",
                    REALM);
        }
    }

    @Override
    public void handle(
            HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        write(
                request,
                response,
                HttpStatus.FORBIDDEN,
                "insufficient-role",
                "Role does not allow this",
                "This call needs a token of role write; read tokens may only GET.",
                REALM + ", error=\"insufficient_scope\"");
    }

    void write(
            HttpServletRequest request,
            HttpServletResponse response,
            HttpStatus status,
            String type,
            String title,
            String detail,
            String wwwAuthenticate)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", ProblemTypes.of(type).toString());
        problem.put("title", title);
        problem.put("status", status.value());
        problem.put("detail", detail);
        problem.put("instance", request.getRequestURI());
        response.resetBuffer();
        response.setStatus(status.value());
        if (wwwAuthenticate != null) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, wwwAuthenticate);
        }
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.getOutputStream().write(json.writeValueAsBytes(problem));
        response.flushBuffer();
    }
}
