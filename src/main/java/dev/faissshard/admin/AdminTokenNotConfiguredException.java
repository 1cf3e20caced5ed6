package dev.faissshard.admin;

/**
 * {@code fsb.admin.token} is no configured API token: the Spring Boot Admin server would be refused
 * on every call. The message never quotes the token.
 */
public class AdminTokenNotConfiguredException extends IllegalStateException {

    AdminTokenNotConfiguredException(String message) {
        super(message);
    }
}
