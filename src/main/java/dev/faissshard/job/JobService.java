package dev.faissshard.job;

import java.time.Clock;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.stereotype.Service;

import dev.faissshard.build.BuildRunner;
import dev.faissshard.catalog.CancellableCatalog;
import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogFactory;
import dev.faissshard.catalog.CatalogReadCancelledException;
import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelClosedException;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.IndexLocationBusyException;
import dev.faissshard.lease.IndexLeases;

/**
 * Accepts, runs and steers build jobs. One job at a time per index location; jobs run on the bounded
 * {@code jobExecutor}, at most {@code fsb.job.max-running} at once, and {@code max-queued} more wait
 * in a {@link JobQueue}. After {@link #stop()} (SIGTERM) no job is accepted.
 */
@Service
public class JobService implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);
    private static final String STOPPED_FOR_SHUTDOWN =
            "stopped at a batch boundary by the service's shutdown; a new job resumes from progress.json";

    private final JobProperties properties;
    private final CatalogFactory catalogs;
    private final BuildRunner builds;
    private final IndexLeases leases;
    private final TaskExecutor executor;
    private final Clock clock;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<IndexLocation, String> runningByLocation = new LinkedHashMap<>();
    private final Map<String, Catalog> catalogsByJob = new HashMap<>();
    private final JobQueue queue;
    private volatile boolean running;
    private volatile boolean stopping;

    JobService(JobProperties properties, CatalogFactory catalogs, BuildRunner builds, IndexLeases leases,
            @Qualifier("jobExecutor") TaskExecutor executor, Clock clock) {
        this.properties = properties;
        this.catalogs = catalogs;
        this.builds = builds;
        this.leases = leases;
        this.executor = executor;
        this.clock = clock;
        this.queue = new JobQueue(properties.maxRunning(), properties.maxQueued());
    }

    /** Validates and queues a job; it starts as soon as a run slot is free. */
    public Job submit(JobRequest request) {
        requireAccepting();
        JobSpec spec = resolve(request);
        Catalog catalog = request.catalog() == null ? catalogs.openConfigured() : catalogs.openRequested(spec.catalog());
        builds.check(spec.indexTypes(), spec.layout());
        IndexLocation location = builds.locate(spec.layout());
        Job job = new Job(UUID.randomUUID().toString(), spec, location.description(), catalog.description(),
                clock.instant());
        synchronized (runningByLocation) {
            requireAccepting();
            String running = runningByLocation.get(location);
            if (running != null) {
                throw new IndexLocationBusyException(location.description(), running);
            }
            runningByLocation.put(location, job.id());
        }
        // Other processes on the same store: taken only once this process's own claim stands, so that its
        // jobs never take the lease from each other, and before the job can start, so it never runs unleased.
        try {
            job.holdLease(leases.acquire(spec.layout(), job.id()));
        }
        catch (RuntimeException refused) {
            ended(job);
            throw refused;
        }
        JobQueue.Placement placement;
        synchronized (runningByLocation) {
            try {
                // Checked again under the lock that stop() also takes, so no job slips in after it.
                requireAccepting();
                placement = queue.admit(job);
            }
            catch (RuntimeException refused) {
                ended(job);
                throw refused;
            }
            catalogsByJob.put(job.id(), catalog);
            jobs.put(job.id(), job);
        }
        if (placement == JobQueue.Placement.RUN) {
            startWorker(job);
        }
        forgetOldJobs();
        log.info("Job {} {}: {} into {}", job.id(), placement == JobQueue.Placement.RUN ? "accepted" : "queued",
                catalog.description(), location);
        return job;
    }

    public Job get(String id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new JobNotFoundException(id);
        }
        return job;
    }

    public List<Job> list() {
        return jobs.values().stream().sorted(Comparator.comparing(Job::createdAt).reversed()).toList();
    }

    /** Pauses a running job at its next batch boundary, or a queued one at once (it leaves the queue). */
    public Job pause(String id) {
        Job job = get(id);
        if (!queue.pauseWaiting(job)) {
            job.requestPause();
        }
        return job;
    }

    /** Resumes a paused job; one paused before it started is queued again (or started, if a slot is free). */
    public Job resume(String id) {
        Job job = get(id);
        if (queue.isPausedBeforeStart(job)) {
            if (queue.resumePaused(job) == JobQueue.Placement.RUN) {
                startWorker(job);
            }
        }
        else {
            job.requestResume();
        }
        return job;
    }

    /** Cancels a job: one that never started ends at once and frees its place and index location. */
    public Job cancel(String id) {
        Job job = get(id);
        if (queue.withdraw(job)) {
            job.cancelBeforeStart(clock.instant(), null);
            ended(job);
            log.info("Job {} cancelled before it started", job.id());
        }
        else {
            job.requestCancel();
        }
        return job;
    }

    public JobView view(Job job) {
        return JobView.of(job, clock.instant());
    }

    private void startWorker(Job first) {
        try {
            executor.execute(() -> work(first));
        }
        catch (TaskRejectedException ex) {
            queue.releaseSlot();
            forget(first);
            throw new JobCapacityException("No job thread is free; try again later");
        }
    }

    /** One run slot: runs its job, then each next waiting job, until the queue is empty. */
    private void work(Job first) {
        for (Job job = first; job != null; job = queue.next()) {
            run(job);
        }
    }

    private void run(Job job) {
        Catalog catalog;
        synchronized (runningByLocation) {
            catalog = catalogsByJob.get(job.id());
        }
        try {
            if (catalog == null || !job.start(clock.instant())) {
                return;
            }
            log.info("Job {} started", job.id());
            // Read on a thread of its own, so a cancel or shutdown never waits for a catalogue read to end.
            boolean completed = builds.run(JobBuild.plan(job), new CancellableCatalog(catalog, job::stopRequested),
                    JobBuild.control(job), job.stats());
            job.finish(completed ? JobState.SUCCEEDED : JobState.CANCELLED, clock.instant(),
                    !completed && job.stoppedForShutdown() ? STOPPED_FOR_SHUTDOWN : null);
            log.info("Job {} {}: {} embedded, {} failed, {} skipped{}", job.id(), job.state(), job.stats().embedded(),
                    job.stats().failedTotal(), job.stats().skipped(),
                    job.lastError() == null ? "" : " (" + job.lastError() + ")");
        }
        catch (CatalogReadCancelledException ex) {
            job.finish(JobState.CANCELLED, clock.instant(), job.stoppedForShutdown() ? STOPPED_FOR_SHUTDOWN : null);
            // Mid-build too: the catalogue is read as the build goes, so a stop often finds the job waiting for
            // its next rows. Everything up to the last committed batch stands either way.
            log.info("Job {} cancelled while reading its catalogue{}", job.id(),
                    job.lastError() == null ? "" : " (" + job.lastError() + ")");
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            job.finish(JobState.CANCELLED, clock.instant(), "interrupted by shutdown");
        }
        catch (ModelClosedException ex) {
            // Shutdown outlasted the grace and closed the models under this job: what it recorded stands.
            job.finish(JobState.CANCELLED, clock.instant(), STOPPED_FOR_SHUTDOWN);
            log.info("Job {} stopped by shutdown before its batch was embedded", job.id());
        }
        catch (RuntimeException | Error ex) {
            job.finish(JobState.FAILED, clock.instant(), JobFailures.record(log, job.id(), ex));
        }
        finally {
            ended(job);
        }
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * On shutdown (SIGTERM, a pod eviction) every job stops at its next batch boundary, so that all it
     * built is recorded in progress.json, rather than running on to the end or being interrupted in the
     * middle of an upload. Stops in the last lifecycle phase, first, beside the job executor, which would
     * otherwise wait for whole jobs to end.
     */
    @Override
    public void stop() {
        running = false;
        synchronized (runningByLocation) {
            stopping = true;
        }
        for (Job waiting : queue.drain()) {
            waiting.cancelBeforeStart(clock.instant(), Job.SHUTDOWN_BEFORE_START);
            ended(waiting);
            log.info("Job {} {}", waiting.id(), Job.SHUTDOWN_BEFORE_START);
        }
        List<Job> active = jobs.values().stream().filter(job -> !job.state().isFinished()).toList();
        if (active.isEmpty()) {
            return;
        }
        log.info("Shutting down: stopping {} job(s) at their next batch boundary", active.size());
        active.forEach(Job::requestStopForShutdown);
        long deadline = System.nanoTime() + properties.shutdownGrace().toNanos();
        try {
            for (Job job : active) {
                if (!job.awaitFinished(deadline)) {
                    log.warn("Job {} did not reach a batch boundary within {}; it is interrupted, and the next job "
                            + "resumes from its last recorded batch", job.id(), properties.shutdownGrace());
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }

    private JobSpec resolve(JobRequest request) {
        Set<IndexType> types = request.indexTypes() == null ? EnumSet.allOf(IndexType.class)
                : EnumSet.copyOf(request.indexTypes());
        CatalogSpec catalog = request.catalog() == null ? catalogs.configuredSpec()
                : new CatalogSpec(request.catalog().type() == null ? CatalogType.AUTO : request.catalog().type(),
                        request.catalog().location());
        Partition partition = request.partition() == null ? properties.partition() : request.partition();
        IndexLayout layout = IndexLayout
            .at(partition.prefixWithin(request.prefix() == null ? properties.prefix() : request.prefix()));
        int batchSize = request.batchSize() == null ? properties.batchSize() : request.batchSize();
        long limit = request.limit() == null ? 0 : request.limit();
        return new JobSpec(types, catalog, layout, batchSize, limit, Boolean.TRUE.equals(request.retryFailures()),
                partition);
    }

    private void requireAccepting() {
        if (stopping) {
            throw new ServiceStoppingException();
        }
    }

    /** A job ended: its index location is free again and its catalogue is no longer needed. */
    private void ended(Job job) {
        synchronized (runningByLocation) {
            runningByLocation.values().remove(job.id());
            catalogsByJob.remove(job.id());
        }
        job.lease().close();
    }

    /** A job refused after it was registered: as if it had never been submitted. */
    private void forget(Job job) {
        ended(job);
        jobs.remove(job.id());
    }

    private void forgetOldJobs() {
        List<Job> finished = jobs.values().stream().filter(job -> job.state().isFinished())
            .sorted(Comparator.comparing(Job::createdAt)).toList();
        int excess = finished.size() - properties.retainedJobs();
        for (int i = 0; i < excess; i++) {
            jobs.remove(finished.get(i).id());
        }
    }

}
