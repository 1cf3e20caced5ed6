package dev.faissshard.job;

import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.stereotype.Component;

/** {@code /actuator/jobs}: job progress for operators, beside health and metrics. */
@Component
@Endpoint(id = "jobs")
class JobsEndpoint {

    private final JobRegistry registry;
    private final JobService jobs;

    JobsEndpoint(JobRegistry registry, JobService jobs) {
        this.registry = registry;
        this.jobs = jobs;
    }

    @ReadOperation
    List<JobView> jobs() {
        return registry.list().stream().map(jobs::view).toList();
    }

    @ReadOperation
    JobView job(@Selector String id) {
        return jobs.view(registry.get(id));
    }
}
