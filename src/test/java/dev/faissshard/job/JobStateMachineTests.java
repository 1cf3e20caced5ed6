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
        assertThat(job.pausing()).as("the batch in flight is not committed yet").isTrue();
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
        assertThat(awaitTrue(() -> !job.pausing()))
                .as("pausing until the job rests at its boundary")
                .isTrue();
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

    @Test
    void storageOutageMakesARunningJobWaitingUntilStorageAnswers() {
        Job job = running();
        Instant until = T1.plusSeconds(600);
        job.storageUnavailable(T1, until);
        assertThat(job.state()).isEqualTo(JobState.WAITING);
        assertThat(job.state().isFinished()).isFalse();
        assertThat(job.waiting()).contains(new Job.Waiting(Job.STORAGE_UNAVAILABLE, T1, until));
        assertThat(job.stall(T1.plusSeconds(3600))).as("waiting says why, not stalled").isEmpty();
        job.storageAvailable(T1.plusSeconds(60));
        assertThat(job.state()).isEqualTo(JobState.RUNNING);
        assertThat(job.waiting()).isEmpty();
    }

    @Test
    void pauseWhileWaitingTakesEffectOnceStorageAnswersAndResumeTakesItBack() throws Exception {
        Job job = running();
        job.storageUnavailable(T1, T1.plusSeconds(600));
        job.requestPause();
        assertThat(job.state()).as("still waiting for storage").isEqualTo(JobState.WAITING);
        assertThat(job.pausing()).isTrue();
        assertThatThrownBy(job::requestPause).isInstanceOf(JobStateConflictException.class);
        job.storageAvailable(T1.plusSeconds(5));
        assertThat(job.state()).isEqualTo(JobState.PAUSED);
        job.requestResume();
        assertThat(job.checkpoint()).isTrue();
        assertThat(job.state()).isEqualTo(JobState.RUNNING);

        Job resumed = running();
        resumed.storageUnavailable(T1, T1.plusSeconds(600));
        resumed.requestPause();
        resumed.requestResume();
        resumed.storageAvailable(T1.plusSeconds(5));
        assertThat(resumed.state()).isEqualTo(JobState.RUNNING);
    }

    @Test
    void cancelWakesAJobWaitingForStorage() throws Exception {
        Job job = running();
        job.storageUnavailable(T1, T1.plusSeconds(600));
        CompletableFuture<Boolean> retry =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return job.awaitRetry(java.time.Duration.ofMinutes(10));
                            } catch (InterruptedException ex) {
                                throw new IllegalStateException(ex);
                            }
                        });
        Thread.sleep(100);
        assertThat(retry).as("waiting out the backoff").isNotDone();
        job.requestCancel();
        assertThat(retry.get(30, TimeUnit.SECONDS)).as("cancelled: do not retry").isFalse();
        assertThat(job.awaitRetry(java.time.Duration.ofMinutes(10))).isFalse();
        assertThat(running().awaitRetry(java.time.Duration.ofMillis(20))).isTrue();
    }

    @Test
    void aRunningJobWithoutProgressForTheStallTimeoutIsStalledUntilItProgresses() {
        Job job = job();
        job.start(T0);
        assertThat(job.stall(T0.plus(Job.DEFAULT_STALL_TIMEOUT).minusSeconds(1))).isEmpty();
        assertThat(job.stall(T0.plus(Job.DEFAULT_STALL_TIMEOUT)))
                .contains(new Job.Stall(T0.plus(Job.DEFAULT_STALL_TIMEOUT), T0));
        Instant later = T0.plusSeconds(3600);
        job.stats().progressed(later);
        assertThat(job.stall(later.plusSeconds(1))).as("cleared on progress").isEmpty();
        assertThat(job().stall(T0.plusSeconds(3600))).as("not started: not stalled").isEmpty();

        Job paused = running();
        paused.requestPause();
        assertThat(paused.stall(T0.plusSeconds(3600))).as("paused: not stalled").isEmpty();
    }

    @Test
    void theDeadlineCountsFromTheStartAndAFailureKeepsItsCode() {
        Job job =
                new Job(
                        "job-2",
                        spec(java.time.Duration.ofHours(2)),
                        "local:test",
                        "csv:catalog.csv",
                        T0);
        assertThat(job.deadline()).as("not started").isNull();
        job.start(T1);
        assertThat(job.deadline()).isEqualTo(T1.plusSeconds(7200));
        assertThat(job.pastDeadline(T1.plusSeconds(7199))).isFalse();
        assertThat(job.pastDeadline(T1.plusSeconds(7200))).isTrue();
        job.fail(T1.plusSeconds(7201), "deadline_exceeded", "past it");
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.failureCode()).isEqualTo("deadline_exceeded");
        job.fail(T1.plusSeconds(7202), "storage_unavailable", "again");
        assertThat(job.failureCode()).as("the first outcome stays").isEqualTo("deadline_exceeded");
        assertThat(running().deadline()).as("no deadline asked for").isNull();
    }

    @Test
    void aPausedJobIsReleasedAtItsDeadline() throws Exception {
        Job job =
                new Job(
                        "job-3",
                        spec(java.time.Duration.ofSeconds(1)),
                        "local:test",
                        "csv:catalog.csv",
                        T0);
        job.start(Instant.now());
        job.requestPause();
        CompletableFuture<Boolean> boundary =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return job.checkpoint();
                            } catch (InterruptedException ex) {
                                throw new IllegalStateException(ex);
                            }
                        });
        assertThat(boundary.get(30, TimeUnit.SECONDS))
                .as("released to let the build end it")
                .isTrue();
        assertThat(job.pastDeadline(Instant.now())).isTrue();
    }

    private static boolean awaitTrue(java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(10);
        }
        return false;
    }

    private static Job running() {
        Job job = job();
        assertThat(job.start(T0)).isTrue();
        return job;
    }

    private static JobSpec spec(java.time.Duration deadline) {
        return new JobSpec(
                EnumSet.of(IndexType.COLOR),
                new CatalogSpec(CatalogType.CSV, "catalog.csv"),
                IndexLayout.at(""),
                4,
                0,
                false,
                new Partition(0, 1),
                deadline,
                java.util.Set.of());
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
