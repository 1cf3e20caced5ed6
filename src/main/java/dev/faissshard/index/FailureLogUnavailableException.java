package dev.faissshard.index;

/**
 * A failure-log object named by {@code progress.json} is missing, altered or unreadable. A reader
 * racing a compaction meets a missing object; it reads the progress again.
 */
public class FailureLogUnavailableException extends CorruptProgressException {

    public FailureLogUnavailableException(String message) {
        super(message);
    }
}
