package dev.faissshard.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Without tokens, loopback is the only boundary, and a browser on the same machine crosses it: a
 * web page can POST to {@code http://127.0.0.1:8080/jobs} (no body, no preflight), and a
 * DNS-rebound host name reaches the port as if it were the page's own. So, in that mode, requests
 * that carry a non-loopback {@code Origin} or a {@code Host} other than a loopback name are
 * refused; curl, scripts and probes send neither.
 */
final class LocalRequestGuard extends OncePerRequestFilter {

    private final SecurityProblems problems;
    private final boolean checkHost;

    /**
     * @param checkHost false when the operator exposed the unauthenticated service on purpose
     */
    LocalRequestGuard(SecurityProblems problems, boolean checkHost) {
        this.problems = problems;
        this.checkHost = checkHost;
    }

    @Override
    protected void doFilterInternal(
            HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        if (origin != null && !isLoopbackOrigin(origin)) {
            refuse(
                    request,
                    response,
                    "Requests from web pages of other origins are refused while no API token is configured.");
            return;
        }
        if (checkHost && !isLoopbackHost(request.getServerName())) {
            refuse(
                    request,
                    response,
                    "Only loopback host names are served while no API token is configured.");
            return;
        }
        chain.doFilter(request, response);
    }

    private void refuse(HttpServletRequest request, HttpServletResponse response, String detail)
            throws IOException {
        problems.write(
                request,
                response,
                HttpStatus.FORBIDDEN,
                "non-local-request",
                "Not a local request",
                detail,
                null);
    }

    private static boolean isLoopbackOrigin(String origin) {
        try {
            String host = URI.create(origin.trim()).getHost();
            return host != null && isLoopbackHost(host);
        } catch (IllegalArgumentException ex) {
            return false;
        }
    }

    static boolean isLoopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return name.equals("localhost")
                || name.equals("::1")
                || name.equals("0:0:0:0:0:0:0:1")
                || name.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
