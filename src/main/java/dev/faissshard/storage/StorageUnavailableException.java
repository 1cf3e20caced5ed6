package dev.faissshard.storage;

/** The store could not be reached or kept failing (after retries, where they apply). */
public class StorageUnavailableException extends StorageException {

    public StorageUnavailableException(String message) {
        super(message);
    }

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
