package dev.faissshard.observability;

import dev.faissshard.job.Job;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobView;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The jobs this process runs, as facts: per unfinished job its state, whether it is stalled, and
 * what it waits for. Always {@code UP}: a job waiting out a storage outage or a slow host is
 * working as intended, and must not get the pod restarted or taken out of service (this contributor
 * is in neither the liveness nor the readiness group).
 */
@Component("jobs")
class JobsHealthIndicator implements HealthIndicator {

    private final JobService jobs;

    JobsHealthIndicator(JobService jobs) {
        this.jobs = jobs;
    }

    @Override
    public Health health() {
        Health.Builder health = Health.up();
        int waiting = 0;
        int stalled = 0;
        for (Job job : jobs.list()) {
            if (job.state().isFinished()) {
                continue;
            }
            JobView view = jobs.view(job);
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("state", view.state().name());
            details.put("stalled", view.stalled() != null);
            if (view.stalled() != null) {
                details.put("lastProgressAt", view.stalled().lastProgressAt().toString());
            }
            if (view.waiting() != null) {
                details.put("waiting", view.waiting().reason());
                details.put("waitingUntil", view.waiting().until().toString());
                waiting++;
            }
            if (view.deadline() != null) {
                details.put("deadline", view.deadline().toString());
            }
            stalled += view.stalled() != null ? 1 : 0;
            health.withDetail(job.id(), details);
        }
        return health.withDetail("waiting", waiting).withDetail("stalled", stalled).build();
    }
}
