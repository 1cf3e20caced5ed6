package dev.faissshard.dashboard;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * A strict Content-Security-Policy for the dashboard: scripts, styles and API calls from the
 * service's own origin only, no inline script or style, no plug-ins, no framing, no form posts
 * elsewhere. Even if a value from a catalogue (an id, an error text) carried markup, the page would
 * not run it; and the page itself only ever writes such values as text.
 */
final class DashboardHeadersFilter extends OncePerRequestFilter {

    static final String CONTENT_SECURITY_POLICY =
            String.join(
                    "; ",
                    "default-src 'none'",
                    "script-src 'self'",
                    "style-src 'self'",
                    "connect-src 'self'",
                    // Query images picked from disk and the results' thumbnails (fetched with the
                    // token) are shown through blob: URLs; no other image source.
                    "img-src 'self' blob:",
                    "form-action 'none'",
                    "frame-ancestors 'none'",
                    "base-uri 'none'");

    @Override
    protected void doFilterInternal(
            HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        response.setHeader("Referrer-Policy", "no-referrer");
        response.setHeader("X-Content-Type-Options", "nosniff");
        response.setHeader("Cross-Origin-Opener-Policy", "same-origin");
        chain.doFilter(request, response);
    }
}
