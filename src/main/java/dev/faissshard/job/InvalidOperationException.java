package dev.faissshard.job;

/**
 * A request whose fields do not fit its {@code operation} (ids to delete on a build, a delete
 * without ids, a dry run of a compaction). Its message names fields only, never their values.
 */
public class InvalidOperationException extends RuntimeException {

    public InvalidOperationException(String message) {
        super(message);
    }
}
