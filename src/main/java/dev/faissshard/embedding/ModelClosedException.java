package dev.faissshard.embedding;

/**
 * An embedding was asked of a model that was closed, as happens to a job still running at shutdown.
 */
public class ModelClosedException extends IllegalStateException {

    ModelClosedException(String model) {
        super("Model " + model + " is closed: the service is shutting down");
    }
}
