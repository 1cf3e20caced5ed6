package dev.faissshard.job;

import dev.faissshard.build.BuildControl;
import dev.faissshard.build.BuildPlan;
import dev.faissshard.lease.Lease;
import dev.faissshard.lease.LeaseLostException;
import java.time.Duration;
import java.time.Instant;

/**
 * A job as the data plane sees it: what to build, and how the job steers the build between batches.
 */
final class JobBuild {

    private JobBuild() {}

    static BuildPlan plan(Job job) {
        return plan(job.id(), job.spec());
    }

    /** The plan of {@code spec}, for a job or for a dry run of it. */
    static BuildPlan plan(String jobId, JobSpec spec) {
        Partition partition = spec.partition();
        return new BuildPlan(
                jobId,
                spec.indexTypes(),
                spec.layout(),
                spec.batchSize(),
                spec.limit(),
                spec.retryFailures(),
                partition::contains,
                partition.count(),
                spec.retryReasons());
    }

    static BuildControl control(Job job) {
        return new BuildControl() {
            @Override
            public boolean checkpoint() throws InterruptedException {
                return job.checkpoint();
            }

            @Override
            public void checkMayWrite() {
                job.lease().checkHeld();
            }

            @Override
            public boolean renewLease() {
                Lease lease = job.lease();
                lease.renewNow();
                try {
                    lease.checkHeld();
                    return true;
                } catch (LeaseLostException ex) {
                    if (lease.takenOver()) {
                        throw ex;
                    }
                    return false; // storage did not answer the renewal either
                }
            }

            @Override
            public Instant deadline() {
                return job.deadline();
            }

            @Override
            public void storageUnavailable(Instant since, Instant until) {
                job.storageUnavailable(since, until);
            }

            @Override
            public void storageAvailable(Instant now) {
                job.storageAvailable(now);
            }

            @Override
            public boolean awaitRetry(Duration delay) throws InterruptedException {
                return job.awaitRetry(delay);
            }
        };
    }
}
