package dev.faissshard.security;

import org.springframework.security.authentication.AbstractAuthenticationToken;

/**
 * An authenticated caller of the API: a holder of a configured token, or, when no token is
 * configured, whoever reached the loopback-only port. Carries no credentials.
 */
final class ApiCaller extends AbstractAuthenticationToken {

    private final String name;

    private ApiCaller(String name, ApiRole role) {
        super(role.authorities());
        this.name = name;
        setAuthenticated(true);
    }

    static ApiCaller tokenHolder(ApiRole role) {
        return new ApiCaller(role.name().toLowerCase(java.util.Locale.ROOT) + "-token", role);
    }

    /**
     * Everyone may write when no token is configured: the port is reachable from this machine only.
     */
    static ApiCaller localOperator() {
        return new ApiCaller("local-operator", ApiRole.WRITE);
    }

    @Override
    public Object getCredentials() {
        return null;
    }

    @Override
    public Object getPrincipal() {
        return name;
    }

    @Override
    public String getName() {
        return name;
    }
}
