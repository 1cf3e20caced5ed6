package dev.faissshard.storage;

/** An object already exists under the key; immutable objects are never overwritten. */
public class ObjectAlreadyExistsException extends StorageException {

    public ObjectAlreadyExistsException(String message) {
        super(message);
    }

    public ObjectAlreadyExistsException(String message, Throwable cause) {
        super(message, cause);
    }
}
