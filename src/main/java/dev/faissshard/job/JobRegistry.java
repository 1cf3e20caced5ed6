package dev.faissshard.job;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.IndexLocationBusyException;
import dev.faissshard.lease.IndexLeases;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The jobs this process knows: which index location each unfinished job holds, the room left for
 * more ({@link JobQueue}), the finished jobs kept for {@code GET /jobs}, and whether jobs are
 * accepted at all. A location is claimed twice over: in this process (one job per location, {@code
 * 409 index-location-busy}) and across processes through a lease ({@code 409 index-lease-held});
 * both are let go when the job ends. A job that ends is recorded in its index's {@link JobHistory}
 * first, so that it is still listed after a restart; steering such a job is a conflict.
 */
@Component
public class JobRegistry {

    private final JobProperties properties;
    private final IndexLeases leases;
    private final JobQueue queue;
    private final JobHistory history;

    /** How long a submit waits for a finished job still holding its location to let go. */
    private static final Duration ENDING_WAIT = Duration.ofSeconds(30);

    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    // Guarded by claims, the lock that stopAccepting() also takes, so that no job slips in after
    // it.
    private final Object claims = new Object();
    private final Map<IndexLocation, String> jobByLocation = new HashMap<>();
    private final Map<String, Catalog> catalogsByJob = new HashMap<>();
    private volatile boolean stopping;

    JobRegistry(JobProperties properties, IndexLeases leases, JobHistory history) {
        this.properties = properties;
        this.leases = leases;
        this.history = history;
        this.queue = new JobQueue(properties.maxRunning(), properties.maxQueued());
    }

    /**
     * A job of this process; one that only the stored history knows (it ended before this process
     * started) cannot be steered: {@link JobStateConflictException}.
     */
    public Job get(String id) {
        Job job = jobs.get(id);
        if (job == null) {
            JobView ended = history.find(id).orElseThrow(() -> new JobNotFoundException(id));
            throw new JobStateConflictException(
                    id, "change: it ended before this process started", ended.state());
        }
        return job;
    }

    /** Every job of this process kept, newest first. */
    public List<Job> list() {
        return jobs.values().stream()
                .sorted(Comparator.comparing(Job::createdAt).reversed())
                .toList();
    }

    /** A job of this process, if it still knows it. */
    Optional<Job> live(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** The stored history of finished jobs. */
    JobHistory history() {
        return history;
    }

    /** Refuses with {@link ServiceStoppingException} once the service is shutting down. */
    void requireAccepting() {
        if (stopping) {
            throw new ServiceStoppingException();
        }
    }

    /**
     * Claims the job's index location: refused while another job of this process holds it, then the
     * lease against other processes on the same store. The lease is taken only once this process's
     * own claim stands, so that its jobs never take it from each other, and before the job can
     * start, so it never runs unleased.
     */
    void claim(Job job, IndexLocation location) {
        synchronized (claims) {
            requireAccepting();
            String holder = awaitEnding(jobByLocation.get(location));
            if (holder != null) {
                throw new IndexLocationBusyException(location.description(), holder);
            }
            jobByLocation.put(location, job.id());
        }
        try {
            job.holdLease(leases.acquire(job.spec().layout(), job.id()));
        } catch (RuntimeException refused) {
            ended(job);
            throw refused;
        }
    }

    /**
     * The holder of a location, or null once it let go. A holder already in a final state is only
     * writing its history and giving back its lease: a client that saw it finish and submits the
     * next job at once must not be refused for that, so its end is waited for (briefly).
     */
    private String awaitEnding(String holder) {
        long deadline = System.nanoTime() + ENDING_WAIT.toNanos();
        while (holder != null && jobByLocation.containsValue(holder)) {
            Job holding = jobs.get(holder);
            long left = deadline - System.nanoTime();
            if (holding == null || !holding.state().isFinished() || left <= 0) {
                return holder;
            }
            try {
                claims.wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return holder;
            }
        }
        return null;
    }

    /**
     * Registers a claimed job with the catalogue it reads and gives it a run slot or a place in the
     * queue; refused (its claim let go) when the service is stopping or there is no room.
     */
    JobQueue.Placement admit(Job job, Catalog catalog) {
        JobQueue.Placement placement;
        synchronized (claims) {
            try {
                requireAccepting();
                placement = queue.admit(job);
            } catch (RuntimeException refused) {
                ended(job);
                throw refused;
            }
            catalogsByJob.put(job.id(), catalog);
            jobs.put(job.id(), job);
        }
        forgetOldJobs();
        return placement;
    }

    /** The catalogue of a job that has not ended, or null. */
    Catalog catalogOf(Job job) {
        synchronized (claims) {
            return catalogsByJob.get(job.id());
        }
    }

    /** The run slots and the waiting line, which the launcher moves jobs through. */
    JobQueue queue() {
        return queue;
    }

    /** A job ended: its index location is free again and its catalogue is no longer needed. */
    void ended(Job job) {
        // Still under the lease: one writer for the index's history, as for the index.
        try {
            if (job.state().isFinished() && jobs.containsKey(job.id())) {
                history.record(job);
            }
            // The lease goes before the claim, so that the next job of this process never finds it
            // still held.
            job.lease().close();
        } finally {
            // Whatever storage did, the location is this process's to give again.
            synchronized (claims) {
                jobByLocation.values().remove(job.id());
                catalogsByJob.remove(job.id());
                claims.notifyAll();
            }
        }
    }

    /** A job refused after it was registered: as if it had never been submitted. */
    void forget(Job job) {
        ended(job);
        jobs.remove(job.id());
    }

    /**
     * From now on no job is accepted; returns the jobs that never started, now out of the queue.
     */
    List<Job> stopAccepting() {
        synchronized (claims) {
            stopping = true;
        }
        return queue.drain();
    }

    /** Jobs not yet ended (running, paused, or handed a slot and about to start). */
    List<Job> unfinished() {
        return jobs.values().stream().filter(job -> !job.state().isFinished()).toList();
    }

    private void forgetOldJobs() {
        List<Job> finished =
                jobs.values().stream()
                        .filter(job -> job.state().isFinished())
                        .sorted(Comparator.comparing(Job::createdAt))
                        .toList();
        int excess = finished.size() - properties.retainedJobs();
        for (int i = 0; i < excess; i++) {
            jobs.remove(finished.get(i).id());
        }
    }
}
