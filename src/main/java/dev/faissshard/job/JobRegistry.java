package dev.faissshard.job;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.IndexLocationBusyException;
import dev.faissshard.lease.IndexLeases;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * The jobs this process knows: which index location each unfinished job holds, the room left for
 * more ({@link JobQueue}), the finished jobs kept for {@code GET /jobs}, and whether jobs are
 * accepted at all. A location is claimed twice over: in this process (one job per location, {@code
 * 409 index-location-busy}) and across processes through a lease ({@code 409 index-lease-held});
 * both are let go when the job ends.
 */
@Component
public class JobRegistry {

    private final JobProperties properties;
    private final IndexLeases leases;
    private final JobQueue queue;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    // Guarded by claims, the lock that stopAccepting() also takes, so that no job slips in after
    // it.
    private final Object claims = new Object();
    private final Map<IndexLocation, String> jobByLocation = new HashMap<>();
    private final Map<String, Catalog> catalogsByJob = new HashMap<>();
    private volatile boolean stopping;

    JobRegistry(JobProperties properties, IndexLeases leases) {
        this.properties = properties;
        this.leases = leases;
        this.queue = new JobQueue(properties.maxRunning(), properties.maxQueued());
    }

    public Job get(String id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new JobNotFoundException(id);
        }
        return job;
    }

    /** Every job kept, newest first. */
    public List<Job> list() {
        return jobs.values().stream()
                .sorted(Comparator.comparing(Job::createdAt).reversed())
                .toList();
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
            String holder = jobByLocation.get(location);
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
        synchronized (claims) {
            jobByLocation.values().remove(job.id());
            catalogsByJob.remove(job.id());
        }
        job.lease().close();
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
