package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexLayout;
import java.time.Instant;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

/** Run slots and the queue: a job paused or cancelled while it waits gives its place up at once. */
class JobQueueTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final JobQueue queue = new JobQueue(1, 1);

    @Test
    void firstJobRunsSecondWaitsThirdIsRefused() {
        assertThat(queue.admit(job("a"))).isEqualTo(JobQueue.Placement.RUN);
        assertThat(queue.admit(job("b"))).isEqualTo(JobQueue.Placement.WAIT);
        assertThatThrownBy(() -> queue.admit(job("c"))).isInstanceOf(JobCapacityException.class);
    }

    @Test
    void cancelledWaitingJobFreesItsPlaceAtOnce() {
        queue.admit(job("a"));
        Job waiting = job("b");
        queue.admit(waiting);
        assertThat(queue.withdraw(waiting)).isTrue();
        assertThat(queue.admit(job("c"))).isEqualTo(JobQueue.Placement.WAIT);
        assertThat(queue.withdraw(waiting)).as("only once").isFalse();
    }

    @Test
    void pausedWaitingJobLeavesTheQueueAndComesBackAtItsEnd() {
        queue.admit(job("a"));
        Job paused = job("b");
        queue.admit(paused);
        assertThat(queue.pauseWaiting(paused)).isTrue();
        assertThat(paused.state()).isEqualTo(JobState.PAUSED);
        assertThat(queue.isPausedBeforeStart(paused)).isTrue();
        Job next = job("c");
        assertThat(queue.admit(next))
                .as("the paused job's place is free")
                .isEqualTo(JobQueue.Placement.WAIT);

        assertThatThrownBy(() -> queue.resumePaused(paused))
                .as("queue full again")
                .isInstanceOf(JobCapacityException.class);
        assertThat(paused.state()).isEqualTo(JobState.PAUSED);

        assertThat(queue.next())
                .as("the running job ended; the waiting one takes its slot")
                .isSameAs(next);
        assertThat(queue.resumePaused(paused)).isEqualTo(JobQueue.Placement.WAIT);
        assertThat(paused.state()).isEqualTo(JobState.QUEUED);
        assertThat(queue.next()).isSameAs(paused);
        assertThat(queue.next()).as("nothing waits: the slot is freed").isNull();
        assertThat(queue.running()).isZero();
        assertThat(queue.admit(job("d"))).isEqualTo(JobQueue.Placement.RUN);
    }

    @Test
    void resumedJobStartsAtOnceWhenASlotIsFree() {
        Job first = job("a");
        queue.admit(first);
        Job paused = job("b");
        queue.admit(paused);
        queue.pauseWaiting(paused);
        assertThat(queue.next()).isNull();
        assertThat(queue.resumePaused(paused)).isEqualTo(JobQueue.Placement.RUN);
        assertThat(queue.running()).isEqualTo(1);
    }

    @Test
    void pausingARunningJobIsNotTheQueuesBusiness() {
        Job running = job("a");
        queue.admit(running);
        assertThat(queue.pauseWaiting(running)).isFalse();
        assertThat(queue.withdraw(running)).isFalse();
        assertThat(running.state()).isEqualTo(JobState.QUEUED);
    }

    @Test
    void pausedBeforeStartAreBoundedToo() {
        queue.admit(job("a"));
        Job first = job("b");
        queue.admit(first);
        queue.pauseWaiting(first);
        Job second = job("c");
        queue.admit(second);
        assertThatThrownBy(() -> queue.pauseWaiting(second))
                .isInstanceOf(JobCapacityException.class);
        assertThat(second.state()).isEqualTo(JobState.QUEUED);
        assertThat(queue.waiting()).isEqualTo(1);
    }

    @Test
    void drainTakesEveryJobThatNeverStarted() {
        queue.admit(job("a"));
        Job paused = job("b");
        queue.admit(paused);
        queue.pauseWaiting(paused);
        Job waiting = job("c");
        queue.admit(waiting);
        assertThat(queue.drain()).containsExactlyInAnyOrder(paused, waiting);
        assertThat(queue.waiting()).isZero();
        assertThat(queue.isPausedBeforeStart(paused)).isFalse();
        assertThat(queue.next()).isNull();
    }

    private static Job job(String id) {
        JobSpec spec =
                new JobSpec(
                        EnumSet.of(IndexType.COLOR),
                        new CatalogSpec(CatalogType.CSV, "catalog.csv"),
                        IndexLayout.at(id),
                        4,
                        0,
                        false,
                        new Partition(0, 1));
        return new Job(id, spec, "local:" + id, "csv:catalog.csv", T0);
    }
}
