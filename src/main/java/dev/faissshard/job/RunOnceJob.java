package dev.faissshard.job;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.stereotype.Component;

/**
 * {@code fsb.job.run-once}: the service as a batch task, for Kubernetes Jobs, Modal functions and
 * cron. It starts one job with the configured defaults once the server is up (so health probes and
 * metrics work during the build), waits for it, and exits: 0 when the job succeeded, 1 when it
 * failed, 2 when it was cancelled. A failed or killed worker is simply started again by its engine
 * and resumes from {@code progress.json}.
 */
@Component
@ConditionalOnBooleanProperty("fsb.job.run-once")
class RunOnceJob implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(RunOnceJob.class);
    private static final Duration POLL = Duration.ofMillis(500);

    private final JobService jobs;
    private final ConfigurableApplicationContext context;

    RunOnceJob(JobService jobs, ConfigurableApplicationContext context) {
        this.jobs = jobs;
        this.context = context;
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        Job job = jobs.submit(JobRequest.defaults());
        log.info("Running job {} once; the service exits when it ends", job.id());
        while (!job.state().isFinished()) {
            Thread.sleep(POLL.toMillis());
        }
        int code = exitCode(job.state());
        JobView view = jobs.view(job);
        log.info(
                "Job {} {}: {} embedded, {} failed, {} skipped{}",
                job.id(),
                job.state(),
                view.counts().embedded(),
                view.counts().failed(),
                view.counts().skipped(),
                view.lastError() == null ? "" : " (" + view.lastError() + ")");
        ExitCodeGenerator exit = () -> code;
        System.exit(SpringApplication.exit(context, exit));
    }

    static int exitCode(JobState state) {
        return switch (state) {
            case SUCCEEDED -> 0;
            case CANCELLED -> 2;
            default -> 1;
        };
    }
}
