package dev.faissshard.admin;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What a Spring Boot Admin server gets to call this instance's Actuator with. Registration itself
 * is Spring Boot Admin's client, configured under {@code spring.boot.admin.client.*} and inactive
 * until {@code spring.boot.admin.client.url} names a server.
 *
 * <p>The token is bound as a plain string and only checked against {@code fsb.security.api-tokens}
 * at startup, never quoted: it is a secret.
 *
 * @param token one of {@code fsb.security.api-tokens} (read is enough to watch; write also lets the
 *     server call Actuator's write operations), handed to the server as the password of the
 *     instance's metadata credentials; unset: no credentials are registered
 * @param username the user name of those credentials (the service ignores it; Spring Boot Admin
 *     sends credentials only when both are set)
 */
@ConfigurationProperties("fsb.admin")
public record AdminProperties(String token, @DefaultValue("spring-boot-admin") String username) {

    public AdminProperties {
        token = token == null || token.isBlank() ? null : token.strip();
        if (username == null || username.isBlank()) {
            throw new IllegalArgumentException("fsb.admin.username must not be blank");
        }
    }

    @Override
    public String toString() {
        return "AdminProperties[token="
                + (token == null ? "unset" : "set")
                + ", username="
                + username
                + "]";
    }
}
