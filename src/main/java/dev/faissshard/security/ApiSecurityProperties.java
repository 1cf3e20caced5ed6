package dev.faissshard.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the control API and Actuator.
 *
 * <p>The token entries are bound as plain strings and only parsed by {@link ApiTokens}: a value
 * rejected during binding would be quoted by Spring Boot's startup report, and these values are
 * secrets.
 *
 * @param apiTokens bearer tokens as {@code ROLE:TOKEN} entries (env {@code FSB_API_TOKENS},
 *     comma-separated), ROLE {@code read} or {@code write}; none configured means unauthenticated
 *     and loopback-only
 * @param allowAnonymous start without tokens even though {@code server.address} names a
 *     non-loopback address: everyone who can reach the port may then start, pause and cancel jobs
 */
@ConfigurationProperties("fsb.security")
public record ApiSecurityProperties(
        @DefaultValue List<String> apiTokens, @DefaultValue("false") boolean allowAnonymous) {

    public ApiSecurityProperties {
        apiTokens = apiTokens == null ? List.of() : List.copyOf(apiTokens);
    }

    @Override
    public String toString() {
        return "ApiSecurityProperties[apiTokens="
                + apiTokens.size()
                + " entries, allowAnonymous="
                + allowAnonymous
                + "]";
    }
}
