package dev.faissshard.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationConverter;

/**
 * Reads {@code Authorization: Bearer <token>} (RFC 6750) and checks it against the configured
 * tokens. A request without that header stays anonymous; a malformed or unknown token is a failed
 * authentication (401 {@code invalid-token}), wherever it was sent.
 */
final class BearerTokens implements AuthenticationConverter, AuthenticationProvider {

    // Linear: one character class, then an optional run of '='; no nested quantifiers to backtrack.
    private static final Pattern BEARER =
            Pattern.compile("^Bearer +([A-Za-z0-9._~+/-]+=*) *$", Pattern.CASE_INSENSITIVE);

    private final ApiTokens tokens;

    BearerTokens(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public Authentication convert(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer", 0, 6)) {
            return null;
        }
        Matcher matcher = BEARER.matcher(header);
        if (!matcher.matches()) {
            throw new BadCredentialsException("malformed bearer token");
        }
        return new PresentedBearerToken(matcher.group(1));
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String presented = (String) authentication.getCredentials();
        return tokens.roleOf(presented)
                .map(ApiCaller::tokenHolder)
                .orElseThrow(() -> new BadCredentialsException("unknown bearer token"));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return PresentedBearerToken.class.isAssignableFrom(authentication);
    }
}
