package dev.faissshard.job;

import dev.faissshard.build.BuildCounters;
import dev.faissshard.lease.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One build job: its spec, state and statistics, and the cooperative pause / cancel switches that
 * the build checks between batches (native calls are never interrupted). The transitions are drawn
 * in {@link JobState}; a job that never started is paused or cancelled at once, by {@link
 * JobQueue}.
 */
public final class Job {

    static final String SHUTDOWN_BEFORE_START =
            "cancelled before it started: the service is shutting down";

    /** {@code fsb.job.stall-timeout}'s default, for jobs made without one (tests). */
    static final Duration DEFAULT_STALL_TIMEOUT = Duration.ofMinutes(5);

    /** Why a running job waits instead of working; the only reason so far. */
    static final String STORAGE_UNAVAILABLE = "storage_unavailable";

    /**
     * A running job waiting for something outside it before it can go on.
     *
     * @param reason why, as a stable code ({@value #STORAGE_UNAVAILABLE})
     * @param since when the wait began
     * @param until when the job fails if the wait has not ended by then
     */
    record Waiting(String reason, Instant since, Instant until) {}

    /**
     * A job that made no progress (no image finished, no batch committed) for the stall timeout.
     *
     * @param since when it counted as stalled
     * @param lastProgressAt its last progress
     */
    record Stall(Instant since, Instant lastProgressAt) {}

    private final String id;
    private final JobSpec spec;
    private final String storageDescription;
    private final String catalogDescription;
    private final Instant createdAt;
    private final BuildCounters stats = new BuildCounters();
    private final Duration stallTimeout;
    private volatile Lease lease = Lease.none();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();

    private JobState state = JobState.QUEUED;
    private boolean pauseRequested;
    private boolean cancelRequested;
    private boolean atBoundary;
    private volatile boolean stoppedForShutdown;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile String lastError;
    private volatile String failureCode;
    private volatile Instant deadline;
    private Waiting waiting;

    Job(
            String id,
            JobSpec spec,
            String storageDescription,
            String catalogDescription,
            Instant createdAt) {
        this(id, spec, storageDescription, catalogDescription, createdAt, DEFAULT_STALL_TIMEOUT);
    }

    Job(
            String id,
            JobSpec spec,
            String storageDescription,
            String catalogDescription,
            Instant createdAt,
            Duration stallTimeout) {
        this.id = id;
        this.stallTimeout = stallTimeout;
        this.spec = spec;
        this.storageDescription = storageDescription;
        this.catalogDescription = catalogDescription;
        this.createdAt = createdAt;
    }

    public String id() {
        return id;
    }

    /** This process's hold on the job's index, checked before every commit. */
    public Lease lease() {
        return lease;
    }

    void holdLease(Lease held) {
        this.lease = held;
    }

    public JobSpec spec() {
        return spec;
    }

    public JobState state() {
        lock.lock();
        try {
            return state;
        } finally {
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

    BuildCounters stats() {
        return stats;
    }

    /** A stable code of why the job failed, when the failure has one (e.g. deadline_exceeded). */
    String failureCode() {
        return failureCode;
    }

    /** When the job stops at its next batch boundary; null when it has no deadline. */
    Instant deadline() {
        return deadline;
    }

    /** Whether the job has a deadline and it has passed. */
    boolean pastDeadline(Instant now) {
        Instant at = deadline;
        return at != null && !now.isBefore(at);
    }

    /**
     * Whether a pause was asked for that has not taken effect yet: the job still finishes (or waits
     * to commit) the batch in flight, although it already shows {@link JobState#PAUSED} (or {@link
     * JobState#WAITING}). False once it rests at the batch boundary.
     */
    boolean pausing() {
        lock.lock();
        try {
            return pauseRequested
                    && startedAt != null
                    && !atBoundary
                    && !cancelRequested
                    && !state.isFinished();
        } finally {
            lock.unlock();
        }
    }

    /** What the job waits for, if it is {@link JobState#WAITING}. */
    Optional<Waiting> waiting() {
        lock.lock();
        try {
            return Optional.ofNullable(waiting);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether the job is stalled now: running (not paused, not waiting for storage, which say why
     * nothing happens) and without progress for the stall timeout.
     */
    Optional<Stall> stall(Instant now) {
        Instant last = stats.lastProgressAt();
        if (last == null || state() != JobState.RUNNING) {
            return Optional.empty();
        }
        Instant since = last.plus(stallTimeout);
        return now.isBefore(since) ? Optional.empty() : Optional.of(new Stall(since, last));
    }

    /**
     * Marks the job running; false if it must not run: cancelled while queued (it ends CANCELLED
     * now), or no longer queued at all.
     */
    boolean start(Instant now) {
        lock.lock();
        try {
            if (state != JobState.QUEUED) {
                return false;
            }
            if (cancelRequested) {
                end(JobState.CANCELLED, now, stoppedForShutdown ? SHUTDOWN_BEFORE_START : null);
                return false;
            }
            state = JobState.RUNNING;
            startedAt = now;
            deadline = spec.deadline() == null ? null : now.plus(spec.deadline());
            stats.progressed(now);
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Pauses a running job (it stops at its next batch boundary, holding its slot and its index),
     * or one that has been handed a slot but not started yet (it pauses at its first boundary).
     */
    void requestPause() {
        lock.lock();
        try {
            requireState(
                    state == JobState.RUNNING
                            || state == JobState.QUEUED
                            || (state == JobState.WAITING && !pauseRequested),
                    "pause");
            pauseRequested = true;
            if (state == JobState.RUNNING) {
                state = JobState.PAUSED;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Pauses a job waiting in the queue: it leaves the queue and waits, PAUSED, for a resume. */
    void pauseQueued() {
        lock.lock();
        try {
            requireState(state == JobState.QUEUED, "pause");
            pauseRequested = true;
            state = JobState.PAUSED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Whether the job is paused without ever having run (out of the queue, holding no slot). */
    boolean isPausedBeforeStart() {
        lock.lock();
        try {
            return state == JobState.PAUSED && startedAt == null;
        } finally {
            lock.unlock();
        }
    }

    /** Resumes a running job that was paused (or clears a pause not yet taken effect). */
    void requestResume() {
        lock.lock();
        try {
            requireState(
                    (state == JobState.PAUSED && startedAt != null)
                            || ((state == JobState.QUEUED || state == JobState.WAITING)
                                    && pauseRequested),
                    "resume");
            pauseRequested = false;
            if (state == JobState.PAUSED) {
                state = JobState.RUNNING;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Resumes a job paused before it started: it is queued again. */
    void resumeQueued() {
        lock.lock();
        try {
            requireState(state == JobState.PAUSED && startedAt == null, "resume");
            pauseRequested = false;
            state = JobState.QUEUED;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends a job that never started (queued, or paused before it started) at once; {@code reason}
     * is recorded as its last error when the service, not the user, cancelled it.
     */
    void cancelBeforeStart(Instant now, String reason) {
        lock.lock();
        try {
            requireState(
                    state == JobState.QUEUED || (state == JobState.PAUSED && startedAt == null),
                    "cancel");
            cancelRequested = true;
            end(JobState.CANCELLED, now, reason);
        } finally {
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
        } finally {
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
        } finally {
            lock.unlock();
        }
    }

    void requestCancel() {
        lock.lock();
        try {
            requireState(!state.isFinished(), "cancel");
            cancelRequested = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called by the build between batches: blocks while paused (until resumed, cancelled, or the
     * deadline passes: the build then ends the job as past its deadline). Returns false when the
     * job must stop because it was cancelled.
     */
    boolean checkpoint() throws InterruptedException {
        lock.lock();
        try {
            boolean paused = false;
            try {
                // A deadline ends a pause too: the build checks it right after this returns.
                while (pauseRequested && !cancelRequested && !pastDeadline(Instant.now())) {
                    state = JobState.PAUSED;
                    paused = true;
                    atBoundary = true;
                    Instant at = deadline;
                    if (at == null) {
                        changed.await();
                    } else {
                        changed.awaitNanos(
                                Math.max(1, Duration.between(Instant.now(), at).toNanos()));
                    }
                }
            } finally {
                atBoundary = false;
            }
            if (!cancelRequested) {
                state = JobState.RUNNING;
            }
            if (paused) {
                // The pause was the user's: time paused is no stall.
                stats.progressed(Instant.now());
            }
            return !cancelRequested;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The build found storage unavailable: the job is {@link JobState#WAITING} until {@link
     * #storageAvailable} or the end of the run. A pause asked for meanwhile takes effect once
     * storage answers.
     */
    void storageUnavailable(Instant since, Instant until) {
        lock.lock();
        try {
            if (!state.isFinished()) {
                state = JobState.WAITING;
                waiting = new Waiting(STORAGE_UNAVAILABLE, since, until);
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Storage answers again: the job goes on (or pauses, if a pause was asked for). */
    void storageAvailable(Instant now) {
        lock.lock();
        try {
            waiting = null;
            if (state == JobState.WAITING) {
                state = pauseRequested ? JobState.PAUSED : JobState.RUNNING;
            }
            // Time spent waiting is accounted as waiting, not as a stall.
            stats.progressed(now);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits {@code delay} before the next storage attempt, or less when the job is cancelled or
     * stopped meanwhile; false then.
     */
    boolean awaitRetry(Duration delay) throws InterruptedException {
        long end = System.nanoTime() + delay.toNanos();
        lock.lock();
        try {
            for (long left = delay.toNanos(); left > 0 && !cancelRequested; ) {
                changed.awaitNanos(left);
                left = end - System.nanoTime();
            }
            return !cancelRequested;
        } finally {
            lock.unlock();
        }
    }

    /** Records how a run ended with a failure that has a stable code. */
    void fail(Instant now, String code, String error) {
        lock.lock();
        try {
            if (!state.isFinished()) {
                failureCode = code;
                end(JobState.FAILED, now, error);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Records how a run ended; a job that already ended keeps its first outcome. */
    void finish(JobState outcome, Instant now, String error) {
        if (!outcome.isFinished()) {
            throw new IllegalArgumentException(outcome + " is not an outcome");
        }
        lock.lock();
        try {
            if (!state.isFinished()) {
                end(outcome, now, error);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Whether the job was asked to stop (cancel or shutdown): long waits check it and let go. */
    boolean stopRequested() {
        lock.lock();
        try {
            return cancelRequested;
        } finally {
            lock.unlock();
        }
    }

    private void end(JobState outcome, Instant now, String error) {
        state = outcome;
        waiting = null;
        finishedAt = now;
        lastError = error;
        changed.signalAll();
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
