package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexLayout;
import java.time.Instant;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Every transition of {@link Job} (drawn in {@link JobState}), with plain objects and no threads
 * but the test's.
 */
class JobStateMachineTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T1 = T0.plusSeconds(1);

    @Test
    void newJobIsQueuedAndStartMakesItRunning() {
        Job job = job();
        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.start(T1)).isTrue();
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
        assertThat(job.startedAt()).isEqualTo(T1);
        assertThat(job.start(T1)).as("a second start").isFalse();
    }

    @Test
    void queuedPauseTakesEffectAtOnceAndResumeQueuesItAgain() {
        Job job = job();
        job.pauseQueued();
        assertThat(job.state()).isEqualTo(JobState.PAUSED);
        assertThat(job.isPausedBeforeStart()).isTrue();
        assertThat(job.start(T1)).as("a paused job is not started").isFalse();
        assertThatThrownBy(job::requestResume)
                .as("the running job's resume")
                .isInstanceOf(JobStateConflictException.class);
        job.resumeQueued();
        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.isPausedBeforeStart()).isFalse();
        assertThat(job.start(T1)).isTrue();
    }

    @Test
    void queuedOrPausedBeforeStartCancelEndsAtOnce() {
        Job queued = job();
        queued.cancelBeforeStart(T1, null);
        assertThat(queued.state()).isEqualTo(JobState.CANCELLED);
        assertThat(queued.finishedAt()).isEqualTo(T1);
        assertThat(queued.lastError()).isNull();
        assertThat(queued.start(T1)).isFalse();

        Job paused = job();
        paused.pauseQueued();
        paused.cancelBeforeStart(T1, Job.SHUTDOWN_BEFORE_START);
        assertThat(paused.state()).isEqualTo(JobState.CANCELLED);
        assertThat(paused.lastError()).isEqualTo(Job.SHUTDOWN_BEFORE_START);
    }

    @Test
    void cancelOfAJobBeingHandedASlotEndsItWhenItWouldStart() {
        Job job = job();
        job.requestCancel();
        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.stopRequested()).isTrue();
        assertThat(job.start(T1)).isFalse();
        assertThat(job.state()).isEqualTo(JobState.CANCELLED);
        assertThat(job.startedAt()).isNull();
    }

    @Test
    void shutdownOfAJobBeingHandedASlotEndsItWithTheShutdownReason() {
        Job job = job();
        job.requestStopForShutdown();
        assertThat(job.start(T1)).isFalse();
        assertThat(job.state()).isEqualTo(JobState.CANCELLED);
        assertThat(job.lastError()).isEqualTo(Job.SHUTDOWN_BEFORE_START);
        assertThat(job.stoppedForShutdown()).isTrue();
    }

    @Test
    void pauseOfAJobBeingHandedASlotTakesEffectAtItsFirstBoundary() throws Exception {
        Job job = job();
        job.requestPause();
        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        job.requestResume();
        assertThat(job.start(T1)).isTrue();
        assertThat(job.checkpoint()).as("the pause was taken back").isTrue();
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void runningPauseBlocksAtTheCheckpointUntilResumed() throws Exception {
        Job job = running();
        job.requestPause();
        assertThat(job.state()).isEqualTo(JobState.PAUSED);
        assertThat(job.isPausedBeforeStart()).isFalse();
        assertThatThrownBy(job::requestPause).isInstanceOf(JobStateConflictException.class);
        assertThatThrownBy(job::resumeQueued).isInstanceOf(JobStateConflictException.class);
        CompletableFuture<Boolean> boundary =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return job.checkpoint();
                            } catch (InterruptedException ex) {
                                throw new IllegalStateException(ex);
                            }
                        });
        Thread.sleep(100);
        assertThat(boundary).as("blocked while paused").isNotDone();
        job.requestResume();
        assertThat(boundary.get(30, TimeUnit.SECONDS)).isTrue();
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void runningOrPausedCancelStopsAtTheNextCheckpoint() throws Exception {
        Job running = running();
        running.requestCancel();
        assertThat(running.state()).isEqualTo(JobState.RUNNING);
        assertThat(running.checkpoint()).isFalse();
        running.finish(JobState.CANCELLED, T1, null);
        assertThat(running.state()).isEqualTo(JobState.CANCELLED);

        Job paused = running();
        paused.requestPause();
        paused.requestCancel();
        assertThat(paused.checkpoint()).as("a cancel releases a paused job").isFalse();
        paused.finish(JobState.CANCELLED, T1, null);
        assertThat(paused.state()).isEqualTo(JobState.CANCELLED);
    }

    @Test
    void runningJobEndsSucceededOrFailedAndKeepsItsFirstOutcome() throws Exception {
        Job succeeded = running();
        succeeded.finish(JobState.SUCCEEDED, T1, null);
        assertThat(succeeded.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(succeeded.awaitFinished(System.nanoTime())).isTrue();

        Job failed = running();
        failed.finish(JobState.FAILED, T1, "storage failed");
        failed.finish(JobState.SUCCEEDED, T1.plusSeconds(5), null);
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.lastError()).isEqualTo("storage failed");
        assertThat(failed.finishedAt()).isEqualTo(T1);
        assertThatThrownBy(() -> failed.finish(JobState.RUNNING, T1, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void everyActionOnAFinishedJobIsAConflictExceptShutdown() {
        for (JobState outcome :
                EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)) {
            Job job = running();
            job.finish(outcome, T1, null);
            assertThatThrownBy(job::requestPause).isInstanceOf(JobStateConflictException.class);
            assertThatThrownBy(job::pauseQueued).isInstanceOf(JobStateConflictException.class);
            assertThatThrownBy(job::requestResume).isInstanceOf(JobStateConflictException.class);
            assertThatThrownBy(job::resumeQueued).isInstanceOf(JobStateConflictException.class);
            assertThatThrownBy(job::requestCancel).isInstanceOf(JobStateConflictException.class);
            assertThatThrownBy(() -> job.cancelBeforeStart(T1, null))
                    .isInstanceOf(JobStateConflictException.class);
            job.requestStopForShutdown();
            assertThat(job.stoppedForShutdown()).isFalse();
            assertThat(job.start(T1)).isFalse();
            assertThat(job.state()).isEqualTo(outcome);
            assertThat(JobState.valueOf(outcome.name()).isFinished()).isTrue();
        }
        assertThat(
                        EnumSet.complementOf(
                                EnumSet.of(
                                        JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)))
                .noneMatch(JobState::isFinished);
    }

    @Test
    void runningJobCannotBeCancelledOrPausedAsIfItWereQueued() {
        Job job = running();
        assertThatThrownBy(job::pauseQueued).isInstanceOf(JobStateConflictException.class);
        assertThatThrownBy(() -> job.cancelBeforeStart(T1, null))
                .isInstanceOf(JobStateConflictException.class);
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void awaitFinishedGivesUpAtTheDeadline() throws Exception {
        Job job = running();
        assertThat(job.awaitFinished(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)))
                .isFalse();
    }

    private static Job running() {
        Job job = job();
        assertThat(job.start(T0)).isTrue();
        return job;
    }

    private static Job job() {
        JobSpec spec =
                new JobSpec(
                        EnumSet.of(IndexType.COLOR),
                        new CatalogSpec(CatalogType.CSV, "catalog.csv"),
                        IndexLayout.at(""),
                        4,
                        0,
                        false,
                        new Partition(0, 1));
        return new Job("job-1", spec, "local:test", "csv:catalog.csv", T0);
    }
}
