package dev.faissshard.storage;

/** The store refuses an object of this size. */
public class ObjectTooLargeException extends StorageException {

    public ObjectTooLargeException(String message) {
        super(message);
    }

    public ObjectTooLargeException(String message, Throwable cause) {
        super(message, cause);
    }
}
