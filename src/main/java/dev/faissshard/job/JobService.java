package dev.faissshard.job;

import java.time.Clock;
import java.util.Comparator;
import java.util.EnumSet;
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

import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogFactory;
import dev.faissshard.catalog.CatalogProperties;
import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.shard.IndexLayout;

/**
 * Accepts, runs and steers build jobs. One job at a time per index location; jobs run on the bounded
 * {@code jobExecutor}.
 */
@Service
public class JobService implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobProperties properties;
    private final CatalogProperties catalogDefaults;
    private final CatalogFactory catalogs;
    private final IndexBuilder builder;
    private final TaskExecutor executor;
    private final Clock clock;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, String> runningByLocation = new LinkedHashMap<>();
    private volatile boolean running;

    JobService(JobProperties properties, CatalogProperties catalogDefaults, CatalogFactory catalogs,
            IndexBuilder builder, @Qualifier("jobExecutor") TaskExecutor executor, Clock clock) {
        this.properties = properties;
        this.catalogDefaults = catalogDefaults;
        this.catalogs = catalogs;
        this.builder = builder;
        this.executor = executor;
        this.clock = clock;
    }

    /** Validates and queues a job; it starts as soon as the executor has a free slot. */
    public Job submit(JobRequest request) {
        JobSpec spec = resolve(request);
        Catalog catalog = catalogs.open(spec.catalog());
        builder.validate(spec);
        String location = builder.location(spec);
        Job job = new Job(UUID.randomUUID().toString(), spec, location, catalog.description(), clock.instant());
        synchronized (runningByLocation) {
            String running = runningByLocation.get(location);
            if (running != null) {
                throw new IndexLocationBusyException(location, running);
            }
            runningByLocation.put(location, job.id());
        }
        jobs.put(job.id(), job);
        try {
            executor.execute(() -> run(job, catalog, location));
        }
        catch (TaskRejectedException ex) {
            jobs.remove(job.id());
            release(location, job.id());
            throw new JobCapacityException("Too many jobs are running or queued (at most " + properties.maxRunning()
                    + " running and " + properties.maxQueued() + " queued); try again later");
        }
        forgetOldJobs();
        log.info("Job {} queued: {} into {}", job.id(), catalog.description(), location);
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

    public Job pause(String id) {
        Job job = get(id);
        job.requestPause();
        return job;
    }

    public Job resume(String id) {
        Job job = get(id);
        job.requestResume();
        return job;
    }

    public Job cancel(String id) {
        Job job = get(id);
        job.requestCancel();
        return job;
    }

    public JobView view(Job job) {
        return JobView.of(job, clock.instant());
    }

    private void run(Job job, Catalog catalog, String location) {
        try {
            if (!job.start(clock.instant())) {
                return;
            }
            log.info("Job {} started", job.id());
            boolean completed = builder.build(job, catalog);
            job.finish(completed ? JobState.SUCCEEDED : JobState.CANCELLED, clock.instant(),
                    !completed && job.stoppedForShutdown()
                            ? "stopped at a batch boundary by the service's shutdown; a new job resumes from progress.json"
                            : null);
            log.info("Job {} {}: {} embedded, {} failed, {} skipped{}", job.id(), job.state(), job.stats().embedded(),
                    job.stats().failedTotal(), job.stats().skipped(),
                    job.lastError() == null ? "" : " (" + job.lastError() + ")");
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            job.finish(JobState.CANCELLED, clock.instant(), "interrupted by shutdown");
        }
        catch (RuntimeException | Error ex) {
            log.error("Job {} failed", job.id(), ex);
            job.finish(JobState.FAILED, clock.instant(), describe(ex));
        }
        finally {
            release(location, job.id());
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
        CatalogSpec catalog = request.catalog() == null ? catalogDefaults.spec()
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

    private void release(String location, String jobId) {
        synchronized (runningByLocation) {
            runningByLocation.remove(location, jobId);
        }
    }

    private void forgetOldJobs() {
        List<Job> finished = jobs.values().stream().filter(job -> job.state().isFinished())
            .sorted(Comparator.comparing(Job::createdAt)).toList();
        int excess = finished.size() - properties.retainedJobs();
        for (int i = 0; i < excess; i++) {
            jobs.remove(finished.get(i).id());
        }
    }

    private static String describe(Throwable ex) {
        String message = ex.getMessage();
        return message == null || message.isBlank() ? ex.getClass().getSimpleName() : message.strip();
    }
}
