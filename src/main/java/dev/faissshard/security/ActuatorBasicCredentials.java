package dev.faissshard.security;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.authentication.AuthenticationConverter;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Reads {@code Authorization: Basic <user:token>} on Actuator paths only, where the password is one
 * of the configured API tokens (the user name is ignored). Spring Boot Admin calls an instance's
 * Actuator with the Basic credentials the instance registered as metadata ({@code user.name},
 * {@code user.password}) and knows no bearer tokens. The control API keeps bearer tokens only.
 *
 * <p>The service never answers with a Basic challenge, so a browser never prompts for, caches and
 * then replays such credentials on its own.
 */
final class ActuatorBasicCredentials implements AuthenticationConverter {

    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+/-]+=*");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/]+={0,2}");

    /** Longer headers are no credentials of this service (tokens are far shorter). */
    private static final int MAX_ENCODED_LENGTH = 2048;

    private final RequestMatcher actuator;

    ActuatorBasicCredentials(String actuatorBasePath) {
        this.actuator = PathPatternRequestMatcher.withDefaults().matcher(actuatorBasePath + "/**");
    }

    @Override
    public Authentication convert(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null
                || !header.regionMatches(true, 0, "Basic ", 0, 6)
                || !actuator.matches(request)) {
            return null;
        }
        String encoded = header.substring(6).strip();
        if (encoded.length() > MAX_ENCODED_LENGTH || !BASE64.matcher(encoded).matches()) {
            throw new BadCredentialsException("malformed basic credentials");
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException ex) {
            throw new BadCredentialsException("malformed basic credentials");
        }
        int colon = decoded.indexOf(':');
        String password = colon < 0 ? "" : decoded.substring(colon + 1);
        if (!TOKEN.matcher(password).matches()) {
            throw new BadCredentialsException("malformed basic credentials");
        }
        return new PresentedBearerToken(password);
    }
}
