package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.IndexLocationBusyException;
import dev.faissshard.lease.IndexLeaseHeldException;
import dev.faissshard.lease.IndexLeases;
import dev.faissshard.lease.Lease;
import dev.faissshard.lease.LeaseProperties;
import dev.faissshard.lease.OtherProcessLeases;
import dev.faissshard.storage.LocalStorageClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry with one run slot and one place in the queue, and real leases on a folder store:
 * room, busy locations in this process and in another, retention and the stop of intake.
 */
class JobRegistryTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final LeaseProperties LEASES =
            new LeaseProperties(true, Duration.ofSeconds(60), Duration.ofSeconds(5));
    private static final Catalog CATALOG = new UnreadCatalog();

    @TempDir Path root;

    private final List<IndexLeases> processes = new ArrayList<>();
    private IndexLeases leases;
    private JobRegistry registry;
    private LocalStorageClient store;
    private int created;

    @BeforeEach
    void oneSlotOnePlace() {
        leases = process();
        registry = new JobRegistry(properties(1, 1, 100), leases, history());
    }

    @AfterEach
    void stopRenewals() {
        processes.forEach(IndexLeases::destroy);
    }

    @Test
    void firstJobRunsSecondWaitsThirdIsRefusedAndLetsItsLocationGo() {
        assertThat(claimAndAdmit(job("a/"))).isEqualTo(JobQueue.Placement.RUN);
        assertThat(claimAndAdmit(job("b/"))).isEqualTo(JobQueue.Placement.WAIT);
        Job refused = job("c/");
        registry.claim(refused, location(refused));
        assertThatThrownBy(() -> registry.admit(refused, CATALOG))
                .isInstanceOf(JobCapacityException.class)
                .hasMessageContaining("at most 1 running and 1 queued");

        assertThat(registry.list()).extracting(Job::id).doesNotContain(refused.id());
        assertThatThrownBy(() -> registry.get(refused.id()))
                .isInstanceOf(JobNotFoundException.class);
        assertThat(leases.holder(refused.spec().layout())).as("its lease was released").isEmpty();
        Job again = job("c/");
        registry.claim(again, location(again));
        assertThat(leases.holder(again.spec().layout())).isPresent();
    }

    @Test
    void secondJobOnABusyLocationIsRefusedNamingTheFirstUntilTheFirstEnds() {
        Job first = job("team/");
        claimAndAdmit(first);
        Job second = job("team/");
        assertThatThrownBy(() -> registry.claim(second, location(second)))
                .isInstanceOf(IndexLocationBusyException.class)
                .satisfies(
                        ex ->
                                assertThat(((IndexLocationBusyException) ex).runningJobId())
                                        .isEqualTo(first.id()));
        assertThat(second.lease().generation())
                .as("no lease was taken for the refused job")
                .isEqualTo(Lease.none().generation());

        Job elsewhere = job("other/");
        registry.claim(elsewhere, location(elsewhere));

        first.start(T0);
        first.finish(JobState.SUCCEEDED, T0, null);
        registry.ended(first);
        assertThat(leases.holder(first.spec().layout())).isEmpty();
        registry.claim(second, location(second));
        assertThat(leases.holder(second.spec().layout()))
                .get()
                .extracting(holder -> holder.jobId())
                .isEqualTo(second.id());
    }

    @Test
    void locationLeasedByAnotherProcessIsRefusedAndLeftFreeInThisOne() {
        IndexLeases other =
                OtherProcessLeases.of(
                        new LocalStorageClient(root), LEASES, Clock.systemUTC(), "other-host");
        processes.add(other);
        Job job = job("shared/");
        Lease theirs = other.acquire(job.spec().layout(), "their-job");
        assertThatThrownBy(() -> registry.claim(job, location(job)))
                .isInstanceOf(IndexLeaseHeldException.class);

        theirs.close();
        Job retry = job("shared/");
        registry.claim(retry, location(retry));
        assertThat(leases.holder(retry.spec().layout()))
                .get()
                .extracting(holder -> holder.jobId())
                .isEqualTo(retry.id());
    }

    @Test
    void catalogueIsKeptUntilTheJobEnds() {
        Job job = job("a/");
        claimAndAdmit(job);
        assertThat(registry.catalogOf(job)).isSameAs(CATALOG);
        registry.ended(job);
        assertThat(registry.catalogOf(job)).isNull();
    }

    @Test
    void onlyTheNewestFinishedJobsAreRetainedAndTheListIsNewestFirst() {
        registry = new JobRegistry(properties(4, 4, 2), leases, history());
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Job job = job("p" + i + "/");
            claimAndAdmit(job);
            job.start(T0);
            job.finish(JobState.SUCCEEDED, T0, null);
            registry.ended(job);
            jobs.add(job);
        }
        Job running = job("p3/");
        claimAndAdmit(running);
        // Retention runs at each admission: the oldest finished job went when the fourth came.
        assertThat(registry.list())
                .extracting(Job::id)
                .containsExactly(running.id(), jobs.get(2).id(), jobs.get(1).id());
        assertThat(registry.unfinished()).containsExactly(running);
    }

    @Test
    void afterStopAcceptingNothingIsClaimedOrAdmittedAndTheWaitingJobsAreHandedBack() {
        Job runningJob = job("a/");
        claimAndAdmit(runningJob);
        Job waiting = job("b/");
        claimAndAdmit(waiting);
        Job claimed = job("c/");
        registry.claim(claimed, location(claimed));

        assertThat(registry.stopAccepting()).containsExactly(waiting);
        assertThatThrownBy(registry::requireAccepting).isInstanceOf(ServiceStoppingException.class);
        assertThatThrownBy(() -> registry.claim(job("d/"), location(job("d/"))))
                .isInstanceOf(ServiceStoppingException.class);
        assertThatThrownBy(() -> registry.admit(claimed, CATALOG))
                .isInstanceOf(ServiceStoppingException.class);
        assertThat(leases.holder(claimed.spec().layout()))
                .as("the refused job's lease was released")
                .isEmpty();
    }

    @Test
    void unknownIdIsNotFound() {
        assertThatThrownBy(() -> registry.get("nope"))
                .isInstanceOf(JobNotFoundException.class)
                .hasMessage("No job with this id");
    }

    private JobQueue.Placement claimAndAdmit(Job job) {
        registry.claim(job, location(job));
        return registry.admit(job, CATALOG);
    }

    private Job job(String prefix) {
        JobSpec spec =
                new JobSpec(
                        EnumSet.of(IndexType.COLOR),
                        new CatalogSpec(CatalogType.CSV, "catalog.csv"),
                        IndexLayout.at(prefix),
                        4,
                        0,
                        false,
                        new Partition(0, 1));
        created++;
        return new Job(
                "job-" + created,
                spec,
                "local " + prefix,
                "csv:catalog.csv",
                T0.plusSeconds(created));
    }

    private JobHistory history() {
        return new JobHistory(new LocalStorageClient(root), JsonMapper.builder().build());
    }

    private IndexLeases process() {
        IndexLeases process =
                new IndexLeases(
                        new LocalStorageClient(root),
                        LEASES,
                        Clock.systemUTC(),
                        JsonMapper.builder().build());
        processes.add(process);
        return process;
    }

    private static JobProperties properties(int maxRunning, int maxQueued, int retained) {
        return new JobProperties(
                16,
                "",
                maxRunning,
                maxQueued,
                0,
                retained,
                0,
                1,
                false,
                Duration.ofSeconds(30),
                null,
                Duration.ofMinutes(5));
    }

    /** Admission only keeps the catalogue for the run; nothing here reads it. */
    private static final class UnreadCatalog implements Catalog {

        @Override
        public Stream<CatalogEntry> entries() {
            throw new AssertionError("the registry never reads a catalogue");
        }

        @Override
        public OptionalLong size() {
            return OptionalLong.empty();
        }

        @Override
        public String description() {
            return "unread";
        }
    }

    /** Where the job's index lives in this test's folder store: the registry's busy-lock key. */
    private IndexLocation location(Job job) {
        if (store == null) {
            store = new LocalStorageClient(root);
        }
        return new IndexLocation(store, job.spec().layout());
    }
}
