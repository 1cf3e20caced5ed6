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
 * RUNNING  --storage unavailable-->  WAITING  --storage answers-->  RUNNING (PAUSED if paused)
 * WAITING  --past fsb.storage.outage-timeout or the deadline-->  FAILED
 * WAITING  --pause-->  WAITING (pauses once storage answers);  --cancel, shutdown-->  CANCELLED
 * RUNNING, WAITING  --past the job's deadline-->  FAILED (deadline_exceeded) at the next boundary
 * </pre>
 *
 * WAITING is not final: the job still holds its slot and its index and goes on by itself.
 *
 * <p>SUCCEEDED, FAILED and CANCELLED are final: every action on them is a conflict.
 */
public enum JobState {
    QUEUED,
    RUNNING,
    /** Running, but waiting (with backoff) for storage to answer again; see {@code waiting}. */
    WAITING,
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED;

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
