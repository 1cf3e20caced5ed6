package dev.faissshard.security;

/**
 * A security setting the service refuses to start with. The message never quotes a configured
 * secret, so Spring Boot's startup report can show it as it is.
 */
public abstract class SecurityConfigurationException extends RuntimeException {

    private final String action;

    SecurityConfigurationException(String message, String action) {
        super(message);
        this.action = action;
    }

    /** What the operator should change. */
    public String action() {
        return action;
    }
}
