package dev.faissshard.storage;

/** A storage call failed; subclasses say how. The message carries the store's own error text. */
public class StorageException extends RuntimeException {

    public StorageException(String message) {
        super(message);
    }

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
