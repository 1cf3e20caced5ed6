package dev.faissshard.index;

/** {@code progress.json} exists but cannot be used; the job stops rather than guess. */
public class CorruptProgressException extends RuntimeException {

    public CorruptProgressException(String message) {
        super(message);
    }

    public CorruptProgressException(String message, Throwable cause) {
        super(message, cause);
    }
}
