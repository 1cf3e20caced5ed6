package dev.faissshard.storage;

/** The bucket does not exist, or the key in use may not see it. */
public class BucketNotFoundException extends StorageException {

    public BucketNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
