package dev.faissshard.job;

/** Life cycle of a job. */
public enum JobState {
    QUEUED, RUNNING, PAUSED, SUCCEEDED, FAILED, CANCELLED;

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
