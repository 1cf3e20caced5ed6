package dev.faissshard.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;

/**
 * A bearer token as a request presented it, before it was checked; {@link #toString} never shows
 * it.
 */
final class PresentedBearerToken extends AbstractAuthenticationToken {

    private String token;

    PresentedBearerToken(String token) {
        super(List.of());
        this.token = token;
    }

    @Override
    public Object getCredentials() {
        return token;
    }

    @Override
    public Object getPrincipal() {
        return "bearer-token";
    }

    @Override
    public void eraseCredentials() {
        token = null;
    }

    @Override
    public String toString() {
        return "PresentedBearerToken[PROTECTED]";
    }
}
