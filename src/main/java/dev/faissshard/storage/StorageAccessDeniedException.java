package dev.faissshard.storage;

/**
 * The store refused the credentials or the operation (a bad key, or a row-level security policy).
 */
public class StorageAccessDeniedException extends StorageException {

    public StorageAccessDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
