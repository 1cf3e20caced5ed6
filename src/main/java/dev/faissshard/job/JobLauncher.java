package dev.faissshard.job;

import dev.faissshard.build.BuildRunner;
import dev.faissshard.build.DeadlineExceededException;
import dev.faissshard.build.IndexMaintenance;
import dev.faissshard.build.StorageOutageException;
import dev.faissshard.catalog.CancellableCatalog;
import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogReadCancelledException;
import dev.faissshard.embedding.ModelClosedException;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.task.TaskExecutor;
import org.springframework.core.task.TaskRejectedException;
import org.springframework.stereotype.Component;

/**
 * Runs admitted jobs and steers them. Jobs run on the bounded {@code jobExecutor}: each run slot of
 * the {@link JobRegistry}'s queue is one worker that runs its job, then each next waiting one.
 * Pause, resume and cancel act at once on a job that never started and at the next batch boundary
 * on one that runs. On shutdown every job stops at its next batch boundary.
 */
@Component
public class JobLauncher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobLauncher.class);
    static final String STOPPED_FOR_SHUTDOWN =
            "stopped at a batch boundary by the service's shutdown; a new job resumes from progress.json";

    private final JobRegistry registry;
    private final BuildRunner builds;
    private final IndexMaintenance maintenance;
    private final TaskExecutor executor;
    private final JobProperties properties;
    private final Clock clock;
    private volatile boolean running;

    JobLauncher(
            JobRegistry registry,
            BuildRunner builds,
            IndexMaintenance maintenance,
            @Qualifier("jobExecutor") TaskExecutor executor,
            JobProperties properties,
            Clock clock) {
        this.registry = registry;
        this.builds = builds;
        this.maintenance = maintenance;
        this.executor = executor;
        this.properties = properties;
        this.clock = clock;
    }

    /** Starts a worker for a job the registry gave a run slot. */
    void launch(Job first) {
        try {
            executor.execute(() -> work(first));
        } catch (TaskRejectedException ex) {
            registry.queue().releaseSlot();
            registry.forget(first);
            throw new JobCapacityException("No job thread is free; try again later");
        }
    }

    /**
     * Pauses a running job at its next batch boundary, or a queued one at once (it leaves the
     * queue).
     */
    public Job pause(String id) {
        Job job = registry.get(id);
        if (!registry.queue().pauseWaiting(job)) {
            job.requestPause();
        }
        return job;
    }

    /**
     * Resumes a paused job; one paused before it started is queued again (or started, if a slot is
     * free).
     */
    public Job resume(String id) {
        Job job = registry.get(id);
        JobQueue queue = registry.queue();
        if (queue.isPausedBeforeStart(job)) {
            if (queue.resumePaused(job) == JobQueue.Placement.RUN) {
                launch(job);
            }
        } else {
            job.requestResume();
        }
        return job;
    }

    /**
     * Cancels a job: one that never started ends at once and frees its place and index location.
     */
    public Job cancel(String id) {
        Job job = registry.get(id);
        if (registry.queue().withdraw(job)) {
            job.cancelBeforeStart(clock.instant(), null);
            registry.ended(job);
            log.info("Job {} cancelled before it started", job.id());
        } else {
            job.requestCancel();
        }
        return job;
    }

    /** One run slot: runs its job, then each next waiting job, until the queue is empty. */
    private void work(Job first) {
        for (Job job = first; job != null; job = registry.queue().next()) {
            run(job);
        }
    }

    private void run(Job job) {
        Catalog catalog = registry.catalogOf(job);
        try {
            if (catalog == null || !job.start(clock.instant())) {
                return;
            }
            log.info("Job {} started", job.id());
            // Read on a thread of its own, so a cancel or shutdown never waits for a catalogue read
            // to end.
            JobSpec spec = job.spec();
            boolean completed =
                    switch (spec.operation()) {
                        case BUILD ->
                                builds.run(
                                        JobBuild.plan(job),
                                        new CancellableCatalog(
                                                catalog,
                                                () ->
                                                        job.stopRequested()
                                                                || job.pastDeadline(
                                                                        clock.instant())),
                                        JobBuild.control(job),
                                        job.stats());
                        case COMPACT ->
                                maintenance.compact(
                                        spec.layout(),
                                        spec.indexTypes(),
                                        JobBuild.control(job),
                                        job.stats());
                        case DELETE ->
                                maintenance.delete(
                                        spec.layout(),
                                        spec.indexTypes(),
                                        spec.deleteIds(),
                                        JobBuild.control(job),
                                        job.stats());
                    };
            job.finish(
                    completed ? JobState.SUCCEEDED : JobState.CANCELLED,
                    clock.instant(),
                    !completed && job.stoppedForShutdown() ? STOPPED_FOR_SHUTDOWN : null);
            log.info(
                    "Job {} {}: {} embedded, {} failed, {} skipped{}",
                    job.id(),
                    job.state(),
                    job.stats().embedded(),
                    job.stats().failedTotal(),
                    job.stats().skipped(),
                    job.lastError() == null ? "" : " (" + job.lastError() + ")");
        } catch (DeadlineExceededException ex) {
            failPastDeadline(job, ex);
        } catch (CatalogReadCancelledException ex) {
            if (!job.stopRequested() && job.pastDeadline(clock.instant())) {
                // The deadline, not a user, ended the wait for catalogue rows.
                failPastDeadline(job, new DeadlineExceededException(job.deadline()));
                return;
            }
            job.finish(
                    JobState.CANCELLED,
                    clock.instant(),
                    job.stoppedForShutdown() ? STOPPED_FOR_SHUTDOWN : null);
            // Mid-build too: the catalogue is read as the build goes, so a stop often finds the job
            // waiting for
            // its next rows. Everything up to the last committed batch stands either way.
            log.info(
                    "Job {} cancelled while reading its catalogue{}",
                    job.id(),
                    job.lastError() == null ? "" : " (" + job.lastError() + ")");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            job.finish(JobState.CANCELLED, clock.instant(), "interrupted by shutdown");
        } catch (ModelClosedException ex) {
            // Shutdown outlasted the grace and closed the models under this job: what it recorded
            // stands.
            job.finish(JobState.CANCELLED, clock.instant(), STOPPED_FOR_SHUTDOWN);
            log.info("Job {} stopped by shutdown before its batch was embedded", job.id());
        } catch (StorageOutageException ex) {
            job.fail(
                    clock.instant(),
                    StorageOutageException.CODE,
                    JobFailures.record(log, job.id(), ex));
        } catch (RuntimeException | Error ex) {
            job.finish(JobState.FAILED, clock.instant(), JobFailures.record(log, job.id(), ex));
        } finally {
            registry.ended(job);
        }
    }

    private void failPastDeadline(Job job, DeadlineExceededException ex) {
        // The message names only the deadline: nothing of the data.
        job.fail(clock.instant(), DeadlineExceededException.CODE, ex.getMessage());
        log.info(
                "Job {} FAILED ({}): {} embedded, {} failed, {} skipped; {}",
                job.id(),
                DeadlineExceededException.CODE,
                job.stats().embedded(),
                job.stats().failedTotal(),
                job.stats().skipped(),
                ex.getMessage());
    }

    @Override
    public void start() {
        running = true;
    }

    /**
     * On shutdown (SIGTERM, a pod eviction) every job stops at its next batch boundary, so that all
     * it built is recorded in progress.json, rather than running on to the end or being interrupted
     * in the middle of an upload. Stops in the last lifecycle phase, first, beside the job
     * executor, which would otherwise wait for whole jobs to end.
     */
    @Override
    public void stop() {
        running = false;
        for (Job waiting : registry.stopAccepting()) {
            waiting.cancelBeforeStart(clock.instant(), Job.SHUTDOWN_BEFORE_START);
            registry.ended(waiting);
            log.info("Job {} {}", waiting.id(), Job.SHUTDOWN_BEFORE_START);
        }
        List<Job> active = registry.unfinished();
        if (active.isEmpty()) {
            return;
        }
        log.info("Shutting down: stopping {} job(s) at their next batch boundary", active.size());
        active.forEach(Job::requestStopForShutdown);
        long deadline = System.nanoTime() + properties.shutdownGrace().toNanos();
        try {
            for (Job job : active) {
                if (!job.awaitFinished(deadline)) {
                    log.warn(
                            "Job {} did not reach a batch boundary within {}; it is interrupted, and the next job "
                                    + "resumes from its last recorded batch",
                            job.id(),
                            properties.shutdownGrace());
                }
            }
        } catch (InterruptedException ex) {
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
}
