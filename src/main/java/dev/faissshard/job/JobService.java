package dev.faissshard.job;

import java.time.Clock;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

import dev.faissshard.catalog.Catalog;

/**
 * Takes job requests: resolves one against the configuration, refuses up front what would fail at once
 * (an incompatible index, an unreadable catalogue, a busy location, no room), and hands the admitted job
 * to the {@link JobLauncher}. Jobs are looked up in the {@link JobRegistry} and steered through the
 * launcher.
 */
@Service
public class JobService {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobSpecResolver specs;
    private final IndexBuilder builder;
    private final JobRegistry registry;
    private final JobLauncher launcher;
    private final Clock clock;

    JobService(JobSpecResolver specs, IndexBuilder builder, JobRegistry registry, JobLauncher launcher, Clock clock) {
        this.specs = specs;
        this.builder = builder;
        this.registry = registry;
        this.launcher = launcher;
        this.clock = clock;
    }

    /** Validates and queues a job; it starts as soon as a run slot is free. */
    public Job submit(JobRequest request) {
        registry.requireAccepting();
        JobSpec spec = specs.resolve(request);
        Catalog catalog = specs.open(request, spec);
        builder.validate(spec);
        String location = builder.location(spec);
        Job job = new Job(UUID.randomUUID().toString(), spec, location, catalog.description(), clock.instant());
        registry.claim(job);
        JobQueue.Placement placement = registry.admit(job, catalog);
        if (placement == JobQueue.Placement.RUN) {
            launcher.launch(job);
        }
        log.info("Job {} {}: {} into {}", job.id(), placement == JobQueue.Placement.RUN ? "accepted" : "queued",
                catalog.description(), location);
        return job;
    }

    /** What the API and Actuator show of a job, now. */
    public JobView view(Job job) {
        return JobView.of(job, clock.instant());
    }
}
