package dev.faissshard.observability;

import dev.faissshard.job.Job;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.job.JobView;
import java.io.Console;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Every {@code fsb.observability.progress-log-interval}, one log line per running job: done /
 * total, rate, ETA and failures by reason, also as key-value pairs that structured (JSON) logs
 * carry as fields. A worker in a Kubernetes pod or a Modal container otherwise logs nothing between
 * its start and its end. When standard output is a terminal, a text progress bar follows the line.
 */
final class ProgressLog implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ProgressLog.class);
    private static final int BAR_WIDTH = 30;

    private final JobService jobs;
    private final boolean enabled;
    private final Duration interval;
    private final ScheduledExecutorService timer;
    private final Console terminal = System.console();
    private volatile boolean running;

    ProgressLog(
            JobService jobs, boolean enabled, Duration interval, ScheduledExecutorService timer) {
        this.jobs = jobs;
        this.enabled = enabled;
        this.interval = interval;
        this.timer = timer;
    }

    void logRunningJobs() {
        try {
            for (Job job : jobs.list()) {
                if (job.state() == JobState.RUNNING || job.state() == JobState.WAITING) {
                    logProgress(jobs.view(job));
                }
            }
        } catch (RuntimeException ex) {
            log.warn("Progress not logged: {}", ex.toString());
        }
    }

    private void logProgress(JobView view) {
        ProgressLine line = ProgressLine.of(view);
        log.atInfo()
                .setMessage(line.text())
                .addKeyValue("job.id", line.jobId())
                .addKeyValue("job.done", line.done())
                .addKeyValue("job.total", line.total())
                .addKeyValue("job.imagesPerSecond", line.imagesPerSecond())
                .addKeyValue("job.etaSeconds", line.etaSeconds())
                .addKeyValue("job.failed", line.failed())
                .addKeyValue("job.stalled", line.stalledSince() != null)
                .addKeyValue("job.waiting", line.waitingUntil() != null)
                .log();
        if (terminal != null && line.total() != null) {
            terminal.printf("%s %s%n", line.jobId(), line.bar(BAR_WIDTH));
            terminal.flush();
        }
    }

    @Override
    public void start() {
        running = true;
        if (enabled) {
            timer.scheduleAtFixedRate(
                    this::logRunningJobs,
                    interval.toMillis(),
                    interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
