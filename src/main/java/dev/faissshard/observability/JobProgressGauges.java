package dev.faissshard.observability;

import dev.faissshard.job.Job;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Gauges per job the service remembers ({@code fsb_job_total_images}, {@code fsb_job_done_images},
 * {@code fsb_job_failed_images}, {@code fsb_job_images_per_second}, {@code fsb_job_eta_seconds},
 * {@code fsb_job_waiting}, {@code fsb_job_stalled}): catalogue total, images done (embedded, failed
 * or skipped), failed, images per second, ETA seconds, and 0/1 for waiting for storage and stalled.
 * They are tagged {@code job_id} (not {@code job}, which Prometheus gives the scrape target) and
 * {@code prefix}. A timer takes in new jobs and drops forgotten ones, leaving the rows of the
 * others in place; the values are read from the job at each scrape.
 */
final class JobProgressGauges implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JobProgressGauges.class);

    private final JobService jobs;
    private final Duration refresh;
    private final ScheduledExecutorService timer;
    private final List<Gauge> gauges;
    private volatile boolean running;

    JobProgressGauges(
            JobService jobs,
            MeterRegistry registry,
            Duration refresh,
            ScheduledExecutorService timer) {
        this.jobs = jobs;
        this.refresh = refresh;
        this.timer = timer;
        this.gauges =
                List.of(
                        new Gauge(
                                registry,
                                "fsb.job.total.images",
                                null,
                                "Catalogue entries of the job, when known",
                                view -> view.total() == null ? Double.NaN : view.total()),
                        new Gauge(
                                registry,
                                "fsb.job.done.images",
                                null,
                                "Images embedded, failed or skipped by the job",
                                view ->
                                        view.counts().embedded()
                                                + view.counts().failed()
                                                + view.counts().skipped()),
                        new Gauge(
                                registry,
                                "fsb.job.failed.images",
                                null,
                                "Images that failed in the job",
                                view -> view.counts().failed()),
                        new Gauge(
                                registry,
                                "fsb.job.images.per.second",
                                null,
                                "Images handled per second of running time",
                                view ->
                                        view.imagesPerSecond() == null
                                                ? Double.NaN
                                                : view.imagesPerSecond()),
                        new Gauge(
                                registry,
                                "fsb.job.eta",
                                "seconds",
                                "Estimated seconds left",
                                view -> view.etaSeconds() == null ? Double.NaN : view.etaSeconds()),
                        new Gauge(
                                registry,
                                "fsb.job.waiting",
                                null,
                                "1 while the job waits for unavailable storage (state WAITING)",
                                view -> view.waiting() == null ? 0 : 1),
                        new Gauge(
                                registry,
                                "fsb.job.stalled",
                                null,
                                "1 while the running job made no progress for fsb.job.stall-timeout",
                                view -> view.stalled() == null ? 0 : 1));
    }

    /** Registers a row per remembered job, and removes the rows of forgotten ones. */
    void refresh() {
        try {
            List<Job> current = jobs.list();
            for (Gauge gauge : gauges) {
                gauge.register(current);
            }
        } catch (RuntimeException ex) {
            // A failing refresh must not end the timer's schedule; the next one tries again.
            log.warn("Job gauges not refreshed: {}", ex.toString());
        }
    }

    @Override
    public void start() {
        running = true;
        timer.scheduleWithFixedDelay(this::refresh, 0, refresh.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private final class Gauge {

        private final MultiGauge meter;
        private final ToDoubleFunction<JobView> value;

        Gauge(
                MeterRegistry registry,
                String name,
                String unit,
                String description,
                ToDoubleFunction<JobView> value) {
            this.meter =
                    MultiGauge.builder(name)
                            .baseUnit(unit)
                            .description(description)
                            .register(registry);
            this.value = value;
        }

        void register(List<Job> current) {
            meter.register(
                    current.stream()
                            .map(
                                    job ->
                                            MultiGauge.Row.of(
                                                    Tags.of(
                                                            "job.id",
                                                            job.id(),
                                                            "prefix",
                                                            job.spec().layout().prefix()),
                                                    job,
                                                    j -> value.applyAsDouble(jobs.view(j))))
                            .toList(),
                    // Not overwrite: that removes and re-adds every row at each refresh, and a
                    // scrape between the two misses the job's series. The value is read from the
                    // job at each scrape, so a kept row is never stale.
                    false);
        }
    }
}
