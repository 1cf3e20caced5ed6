package dev.faissshard.job;

import java.util.List;
import java.util.stream.Stream;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/jobs}: job progress for operators, beside health and metrics. Lists the jobs of
 * this process and, after them, the most recent {@value #MAX_FINISHED} finished jobs of the stored
 * histories (marked {@code fromHistory}), so that a restarted service still shows what ran; the
 * whole history stays at {@code GET /jobs}.
 */
@Component
@Endpoint(id = "jobs")
class JobsEndpoint {

    /** Finished jobs of the stored histories listed at most. */
    static final int MAX_FINISHED = 50;

    private final JobService jobs;

    JobsEndpoint(JobService jobs) {
        this.jobs = jobs;
    }

    @ReadOperation
    List<JobView> jobs() {
        List<JobView> all = jobs.views();
        // views() is newest first: the limit keeps the most recent finished jobs.
        return Stream.concat(
                        all.stream().filter(view -> !fromHistory(view)),
                        all.stream().filter(JobsEndpoint::fromHistory).limit(MAX_FINISHED))
                .toList();
    }

    private static boolean fromHistory(JobView view) {
        return Boolean.TRUE.equals(view.fromHistory());
    }

    @ReadOperation
    JobView job(@Selector String id) {
        return jobs.describe(id);
    }
}
