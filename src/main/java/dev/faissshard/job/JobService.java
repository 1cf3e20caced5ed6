package dev.faissshard.job;

import dev.faissshard.build.BuildRunner;
import dev.faissshard.catalog.Catalog;
import dev.faissshard.index.IndexLocation;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * Takes job requests: resolves one against the configuration, refuses up front what would fail at
 * once (an incompatible index, an unreadable catalogue, a busy location, no room), and hands the
 * admitted job to the {@link JobLauncher}. Jobs are looked up in the {@link JobRegistry} and
 * steered through the launcher.
 */
@Service
public class JobService {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobSpecResolver specs;
    private final BuildRunner builds;
    private final JobRegistry registry;
    private final JobLauncher launcher;
    private final JobProperties properties;
    private final Clock clock;

    JobService(
            JobSpecResolver specs,
            BuildRunner builds,
            JobRegistry registry,
            JobLauncher launcher,
            JobProperties properties,
            Clock clock) {
        this.properties = properties;
        this.specs = specs;
        this.builds = builds;
        this.registry = registry;
        this.launcher = launcher;
        this.clock = clock;
    }

    /** Validates and queues a job; it starts as soon as a run slot is free. */
    public Job submit(JobRequest request) {
        registry.requireAccepting();
        JobSpec spec = specs.resolve(request);
        Catalog catalog = specs.open(request, spec);
        builds.check(spec.indexTypes(), spec.layout());
        IndexLocation location = builds.locate(spec.layout());
        Job job =
                new Job(
                        UUID.randomUUID().toString(),
                        spec,
                        location.description(),
                        catalog.description(),
                        clock.instant(),
                        properties.stallTimeout());
        registry.claim(job, location);
        JobQueue.Placement placement = registry.admit(job, catalog);
        if (placement == JobQueue.Placement.RUN) {
            launcher.launch(job);
        }
        log.info(
                "Job {} {}: {} into {}",
                job.id(),
                placement == JobQueue.Placement.RUN ? "accepted" : "queued",
                catalog.description(),
                location);
        return job;
    }

    /** What the API and Actuator show of a job, now. */
    /**
     * The jobs this process knows, for readers outside the control plane (gauges, progress lines).
     */
    public List<Job> list() {
        return registry.list();
    }

    /** One job, or {@link JobNotFoundException}. */
    public Job get(String id) {
        return registry.get(id);
    }

    public JobView view(Job job) {
        return JobView.of(job, clock.instant());
    }
}
