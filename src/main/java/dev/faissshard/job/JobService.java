package dev.faissshard.job;

import dev.faissshard.build.BuildRunner;
import dev.faissshard.catalog.Catalog;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
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
    private final Clock clock;

    JobService(
            JobSpecResolver specs,
            BuildRunner builds,
            JobRegistry registry,
            JobLauncher launcher,
            Clock clock) {
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
                        clock.instant());
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

    /** What the API and Actuator show of a job, now. */
    public JobView view(Job job) {
        return JobView.of(job, clock.instant());
    }

    /**
     * {@code GET /jobs}: the jobs of this process, then the finished ones of the stored histories
     * that it does not know (marked {@code fromHistory}), newest first.
     */
    public List<JobView> views() {
        List<JobView> views = new ArrayList<>(registry.list().stream().map(this::view).toList());
        Set<String> live = views.stream().map(JobView::id).collect(Collectors.toSet());
        registry.history().all().stream()
                .filter(ended -> !live.contains(ended.id()))
                .forEach(views::add);
        views.sort(Comparator.comparing(JobView::createdAt).reversed());
        return views;
    }

    /** {@code GET /jobs/{id}}: a job of this process, or one of the stored histories. */
    public JobView describe(String id) {
        return registry.live(id)
                .map(this::view)
                .orElseGet(
                        () ->
                                registry.history()
                                        .find(id)
                                        .orElseThrow(() -> new JobNotFoundException(id)));
    }

    /** Where the index of a job (of this process or of the histories) lives. */
    public IndexLayout layoutOf(String id) {
        return registry.live(id)
                .map(job -> job.spec().layout())
                .orElseGet(() -> IndexLayout.at(describe(id).prefix()));
    }
}
