package dev.faissshard.job;

import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One build job: its spec, state and statistics, and the cooperative pause / cancel switches that the
 * build checks between batches (native calls are never interrupted).
 */
public final class Job {

    private final String id;
    private final JobSpec spec;
    private final String storageDescription;
    private final String catalogDescription;
    private final Instant createdAt;
    private final JobStats stats = new JobStats();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    private JobState state = JobState.QUEUED;
    private boolean pauseRequested;
    private boolean cancelRequested;
    private volatile boolean stoppedForShutdown;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile String lastError;

    Job(String id, JobSpec spec, String storageDescription, String catalogDescription, Instant createdAt) {
        this.id = id;
        this.spec = spec;
        this.storageDescription = storageDescription;
        this.catalogDescription = catalogDescription;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    public JobSpec spec() {
        return spec;
    }

    public JobState state() {
        lock.lock();
        try {
            return state;
        }
        finally {
            lock.unlock();
        }
    }

    String storageDescription() {
        return storageDescription;
    }

    String catalogDescription() {
        return catalogDescription;
    }

    Instant createdAt() {
        return createdAt;
    }

    Instant startedAt() {
        return startedAt;
    }

    Instant finishedAt() {
        return finishedAt;
    }

    String lastError() {
        return lastError;
    }

    JobStats stats() {
        return stats;
    }

    /** Marks the job running; false if it was cancelled while queued. */
    boolean start(Instant now) {
        lock.lock();
        try {
            if (cancelRequested) {
                state = JobState.CANCELLED;
                finishedAt = now;
                return false;
            }
            state = JobState.RUNNING;
            startedAt = now;
            return true;
        }
        finally {
            lock.unlock();
        }
    }

    void requestPause() {
        lock.lock();
        try {
            requireState(state == JobState.RUNNING || state == JobState.QUEUED, "pause");
            pauseRequested = true;
            if (state == JobState.RUNNING) {
                state = JobState.PAUSED;
            }
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    void requestResume() {
        lock.lock();
        try {
            requireState(state == JobState.PAUSED || (state == JobState.QUEUED && pauseRequested), "resume");
            pauseRequested = false;
            if (state == JobState.PAUSED) {
                state = JobState.RUNNING;
            }
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Asks a running or queued job to stop at its next batch boundary because the service is going
     * down; unlike a cancel by the user, nothing is refused when the job already ended.
     */
    void requestStopForShutdown() {
        lock.lock();
        try {
            if (!state.isFinished()) {
                cancelRequested = true;
                stoppedForShutdown = true;
                changed.signalAll();
            }
        }
        finally {
            lock.unlock();
        }
    }

    boolean stoppedForShutdown() {
        return stoppedForShutdown;
    }

    /** Waits until the job ended or the deadline passed; true if it ended. */
    boolean awaitFinished(long deadlineNanos) throws InterruptedException {
        lock.lock();
        try {
            while (!state.isFinished()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                changed.awaitNanos(left);
            }
            return true;
        }
        finally {
            lock.unlock();
        }
    }

    void requestCancel() {
        lock.lock();
        try {
            requireState(!state.isFinished(), "cancel");
            cancelRequested = true;
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Called by the build between batches: blocks while paused. Returns false when the job must stop
     * because it was cancelled.
     */
    boolean checkpoint() throws InterruptedException {
        lock.lock();
        try {
            while (pauseRequested && !cancelRequested) {
                state = JobState.PAUSED;
                changed.await();
            }
            if (!cancelRequested) {
                state = JobState.RUNNING;
            }
            return !cancelRequested;
        }
        finally {
            lock.unlock();
        }
    }

    void finish(JobState outcome, Instant now, String error) {
        lock.lock();
        try {
            state = outcome;
            finishedAt = now;
            lastError = error;
            changed.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    void recordError(String error) {
        lastError = error;
    }

    private void requireState(boolean allowed, String action) {
        if (!allowed) {
            throw new JobStateConflictException(id, action, state);
        }
    }
}
