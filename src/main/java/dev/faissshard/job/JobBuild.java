package dev.faissshard.job;

import dev.faissshard.build.BuildControl;
import dev.faissshard.build.BuildPlan;

/**
 * A job as the data plane sees it: what to build, and how the job steers the build between batches.
 */
final class JobBuild {

    private JobBuild() {}

    static BuildPlan plan(Job job) {
        JobSpec spec = job.spec();
        Partition partition = spec.partition();
        return new BuildPlan(
                job.id(),
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
        };
    }
}
