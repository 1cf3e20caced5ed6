package dev.faissshard.job;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Who runs and who waits: at most {@code maxRunning} jobs hold a run slot, at most {@code
 * maxQueued} wait for one in order, and at most {@code maxQueued} more wait paused, out of the
 * queue, having never started. A job paused or cancelled while it waits leaves the queue at once,
 * so its place goes to the next request. Thread-safe: each method is one step under this object's
 * lock, together with the job's own state change, so a worker taking the next job and a user
 * pausing it cannot both win.
 */
final class JobQueue {

    /** What became of a job handed to the queue. */
    enum Placement {
        /** It holds a run slot: start it now. */
        RUN,
        /** It waits for a slot. */
        WAIT
    }

    private final int maxRunning;
    private final int maxQueued;
    private final Deque<Job> waiting = new ArrayDeque<>();
    private final Set<Job> pausedBeforeStart = new LinkedHashSet<>();
    private int running;

    JobQueue(int maxRunning, int maxQueued) {
        this.maxRunning = maxRunning;
        this.maxQueued = maxQueued;
    }

    /**
     * Takes a new job: a run slot if one is free, else a place in the queue, else a {@link
     * JobCapacityException}.
     */
    synchronized Placement admit(Job job) {
        return place(
                job,
                "Too many jobs are running or queued (at most "
                        + maxRunning
                        + " running and "
                        + maxQueued
                        + " queued); try again later");
    }

    /** A job given a run slot could not be started after all: the slot is free again. */
    synchronized void releaseSlot() {
        running--;
    }

    /**
     * The run slot of a job that ended: the next waiting job, which now holds it, or null (the slot
     * is freed).
     */
    synchronized Job next() {
        Job next = waiting.poll();
        if (next == null) {
            running--;
        }
        return next;
    }

    /**
     * Pauses a job that waits in the queue (true) — it leaves the queue and waits paused — or
     * leaves it alone (false): it is not waiting (it runs, or is just being started).
     */
    synchronized boolean pauseWaiting(Job job) {
        if (!waiting.contains(job)) {
            return false;
        }
        if (pausedBeforeStart.size() >= maxQueued) {
            throw new JobCapacityException(
                    "Too many jobs are paused before they started (at most "
                            + maxQueued
                            + "); resume or cancel one first");
        }
        job.pauseQueued();
        waiting.remove(job);
        pausedBeforeStart.add(job);
        return true;
    }

    /**
     * Resumes a job paused before it started: a run slot or the end of the queue, or a {@link
     * JobCapacityException}.
     */
    synchronized Placement resumePaused(Job job) {
        if (!pausedBeforeStart.contains(job)) {
            throw new IllegalStateException("job " + job.id() + " is not paused before its start");
        }
        Placement placement =
                place(
                        job,
                        "No room to queue the job again (at most "
                                + maxRunning
                                + " running and "
                                + maxQueued
                                + " queued); it stays paused, try again later");
        pausedBeforeStart.remove(job);
        job.resumeQueued();
        return placement;
    }

    /** Whether the job is paused before its start, i.e. held here rather than by a worker. */
    synchronized boolean isPausedBeforeStart(Job job) {
        return pausedBeforeStart.contains(job);
    }

    /**
     * Takes a job that never started out of the queue (true), or leaves it (false: it runs or is
     * starting).
     */
    synchronized boolean withdraw(Job job) {
        return waiting.remove(job) || pausedBeforeStart.remove(job);
    }

    /** Every job that never started, now out of the queue: for shutdown. */
    synchronized List<Job> drain() {
        List<Job> drained = new ArrayList<>(waiting);
        drained.addAll(pausedBeforeStart);
        waiting.clear();
        pausedBeforeStart.clear();
        return drained;
    }

    synchronized int running() {
        return running;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    private Placement place(Job job, String fullMessage) {
        if (running < maxRunning) {
            running++;
            return Placement.RUN;
        }
        if (waiting.size() < maxQueued) {
            waiting.add(job);
            return Placement.WAIT;
        }
        throw new JobCapacityException(fullMessage);
    }
}
