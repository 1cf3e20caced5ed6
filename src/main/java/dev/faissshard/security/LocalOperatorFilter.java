package dev.faissshard.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Without tokens, every request that reached the loopback-only port acts as the local operator, who
 * may do everything, health details included.
 */
final class LocalOperatorFilter extends OncePerRequestFilter {

    private final SecurityContextHolderStrategy contexts;

    LocalOperatorFilter(SecurityContextHolderStrategy contexts) {
        this.contexts = contexts;
    }

    @Override
    protected void doFilterInternal(
            HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(ApiCaller.localOperator());
        contexts.setContext(context);
        chain.doFilter(request, response);
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return false;
    }
}
