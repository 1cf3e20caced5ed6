package dev.faissshard.job;

import dev.faissshard.build.BuildPlan;
import dev.faissshard.build.BuildRunner;
import dev.faissshard.catalog.Catalog;
import dev.faissshard.dryrun.DryRunPlanner;
import dev.faissshard.dryrun.DryRunReport;
import dev.faissshard.dryrun.MeasuredRate;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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

    /** A dry run's rate comes from this many of the newest finished jobs. */
    static final int RATE_SAMPLE_JOBS = 5;

    private final JobSpecResolver specs;
    private final BuildRunner builds;
    private final JobRegistry registry;
    private final JobLauncher launcher;
    private final JobProperties properties;
    private final Clock clock;
    private final DryRunPlanner planner;

    JobService(
            JobSpecResolver specs,
            BuildRunner builds,
            JobRegistry registry,
            JobLauncher launcher,
            JobProperties properties,
            Clock clock,
            DryRunPlanner planner) {
        this.properties = properties;
        this.planner = planner;
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

    /**
     * What the request would do, answered at once: validated and checked as {@link #submit} does
     * (fields, catalogue, index compatibility), then worked out by the {@link DryRunPlanner} from
     * storage, which it only reads. Nothing is queued or claimed, so it may run beside a job on the
     * same index.
     */
    public DryRunReport dryRun(JobRequest request) {
        registry.requireAccepting();
        JobSpec spec = specs.resolve(request);
        Catalog catalog = specs.open(request, spec);
        builds.check(spec.indexTypes(), spec.layout());
        IndexLocation location = builds.locate(spec.layout());
        BuildPlan plan = JobBuild.plan("dry run", spec);
        return planner.plan(
                plan, catalog, location, location.description(), measuredRate(spec.layout()));
    }

    /**
     * The rate of the newest finished jobs of this index, else of any index in this storage (from
     * the stored histories, which hold this process's finished jobs too), else none.
     */
    MeasuredRate measuredRate(IndexLayout layout) {
        MeasuredRate own = rateOf(registry.history().of(layout), "index-history");
        return own != null
                ? own
                : Objects.requireNonNullElse(
                        rateOf(registry.history().all(), "service-history"), MeasuredRate.NONE);
    }

    private static MeasuredRate rateOf(List<JobView> finished, String source) {
        List<JobView> measured =
                finished.stream()
                        .filter(
                                view ->
                                        view.startedAt() != null
                                                && view.finishedAt() != null
                                                && view.counts().embedded() + view.counts().failed()
                                                        > 0)
                        .sorted(Comparator.comparing(JobView::finishedAt).reversed())
                        .limit(RATE_SAMPLE_JOBS)
                        .toList();
        if (measured.isEmpty()) {
            return null;
        }
        long images = 0;
        double seconds = 0;
        for (JobView view : measured) {
            images += view.counts().embedded() + view.counts().failed();
            seconds +=
                    Math.max(
                            1e-3,
                            Duration.between(view.startedAt(), view.finishedAt()).toMillis()
                                    / 1000.0);
        }
        return new MeasuredRate(Math.round(images / seconds * 10) / 10.0, source, measured.size());
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
