package dev.faissshard.embedding;

/**
 * A model that does not fit its configuration: stops the service at startup, naming model and
 * setting.
 */
public class ModelConfigurationException extends RuntimeException {

    public ModelConfigurationException(String message) {
        super(message);
    }

    public ModelConfigurationException(String message, Throwable cause) {
        super(message, cause);
    }
}
