package dev.faissshard.job;

/**
 * Life cycle of a job.
 *
 * <pre>
 * QUEUED  --start-->   RUNNING  --pause-->  PAUSED (started)  --resume--> RUNNING
 * QUEUED  --pause-->   PAUSED (not started, out of the queue)  --resume--> QUEUED
 * QUEUED, PAUSED (not started)  --cancel, shutdown-->  CANCELLED at once
 * RUNNING, PAUSED (started)     --cancel, shutdown-->  CANCELLED at the next batch boundary
 * RUNNING  --end of catalogue-->  SUCCEEDED;  --failure-->  FAILED
 * </pre>
 *
 * SUCCEEDED, FAILED and CANCELLED are final: every action on them is a conflict.
 */
public enum JobState {
    QUEUED,
    RUNNING,
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
