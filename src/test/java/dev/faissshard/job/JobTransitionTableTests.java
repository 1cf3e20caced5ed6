package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexLayout;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every action of {@link Job} from every situation a job can be in, as one table: the state it
 * leads to, or {@code conflict} when the action is refused (and the state is left as it was). The
 * situations are the states of {@link JobState} with the two PAUSED cases (before and after the
 * start) and the QUEUED job whose pause or cancel waits for its start told apart.
 */
class JobTransitionTableTests {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant T1 = T0.plusSeconds(1);
    private static final String CONFLICT = "conflict";

    /** How to bring a fresh job into each situation. */
    private static final Map<String, Consumer<Job>> SITUATIONS =
            Map.ofEntries(
                    Map.entry("queued", job -> {}),
                    Map.entry("queued, pause requested", Job::requestPause),
                    Map.entry("queued, cancel requested", Job::requestCancel),
                    Map.entry("running", job -> job.start(T0)),
                    Map.entry(
                            "paused after start",
                            job -> {
                                job.start(T0);
                                job.requestPause();
                            }),
                    Map.entry("paused before start", Job::pauseQueued),
                    Map.entry("waiting", JobTransitionTableTests::waiting),
                    Map.entry(
                            "waiting, pause requested",
                            job -> {
                                waiting(job);
                                job.requestPause();
                            }),
                    Map.entry("succeeded", job -> finished(job, JobState.SUCCEEDED)),
                    Map.entry("failed", job -> finished(job, JobState.FAILED)),
                    Map.entry("cancelled", job -> finished(job, JobState.CANCELLED)));

    private static final Map<String, Consumer<Job>> ACTIONS =
            Map.of(
                    "start", job -> job.start(T1),
                    "requestPause", Job::requestPause,
                    "pauseQueued", Job::pauseQueued,
                    "requestResume", Job::requestResume,
                    "resumeQueued", Job::resumeQueued,
                    "requestCancel", Job::requestCancel,
                    "cancelBeforeStart", job -> job.cancelBeforeStart(T1, null),
                    "requestStopForShutdown", Job::requestStopForShutdown,
                    "finish", job -> job.finish(JobState.SUCCEEDED, T1, null));

    /** Rows: situation; columns in the order of {@link #COLUMNS}. */
    private static final String[] COLUMNS = {
        "start",
        "requestPause",
        "pauseQueued",
        "requestResume",
        "resumeQueued",
        "requestCancel",
        "cancelBeforeStart",
        "requestStopForShutdown",
        "finish"
    };

    private static final Object[][] TABLE = {
        {
            "queued",
            "RUNNING",
            "QUEUED",
            "PAUSED",
            CONFLICT,
            CONFLICT,
            "QUEUED",
            "CANCELLED",
            "QUEUED",
            "SUCCEEDED"
        },
        {
            "queued, pause requested",
            "RUNNING",
            "QUEUED",
            "PAUSED",
            "QUEUED",
            CONFLICT,
            "QUEUED",
            "CANCELLED",
            "QUEUED",
            "SUCCEEDED"
        },
        // A cancel asked of a job being handed a slot ends it when it would start.
        {
            "queued, cancel requested",
            "CANCELLED",
            "QUEUED",
            "PAUSED",
            CONFLICT,
            CONFLICT,
            "QUEUED",
            "CANCELLED",
            "QUEUED",
            "SUCCEEDED"
        },
        {
            "running",
            "RUNNING",
            "PAUSED",
            CONFLICT,
            CONFLICT,
            CONFLICT,
            "RUNNING",
            CONFLICT,
            "RUNNING",
            "SUCCEEDED"
        },
        {
            "paused after start",
            "PAUSED",
            CONFLICT,
            CONFLICT,
            "RUNNING",
            CONFLICT,
            "PAUSED",
            CONFLICT,
            "PAUSED",
            "SUCCEEDED"
        },
        {
            "paused before start",
            "PAUSED",
            CONFLICT,
            CONFLICT,
            CONFLICT,
            "QUEUED",
            "PAUSED",
            "CANCELLED",
            "PAUSED",
            "SUCCEEDED"
        },
        // Final states: every user action is a conflict; start, shutdown and a second outcome
        // change nothing.
        // Waiting for storage: pause and cancel act as on a running job, taking effect once the
        // wait ends (storage answers, or the cancel wakes it).
        {
            "waiting",
            "WAITING",
            "WAITING",
            CONFLICT,
            CONFLICT,
            CONFLICT,
            "WAITING",
            CONFLICT,
            "WAITING",
            "SUCCEEDED"
        },
        {
            "waiting, pause requested",
            "WAITING",
            CONFLICT,
            CONFLICT,
            "WAITING",
            CONFLICT,
            "WAITING",
            CONFLICT,
            "WAITING",
            "SUCCEEDED"
        },
        {
            "succeeded",
            "SUCCEEDED",
            CONFLICT,
            CONFLICT,
            CONFLICT,
            CONFLICT,
            CONFLICT,
            CONFLICT,
            "SUCCEEDED",
            "SUCCEEDED"
        },
        {
            "failed", "FAILED", CONFLICT, CONFLICT, CONFLICT, CONFLICT, CONFLICT, CONFLICT,
            "FAILED", "FAILED"
        },
        {
            "cancelled",
            "CANCELLED",
            CONFLICT,
            CONFLICT,
            CONFLICT,
            CONFLICT,
            CONFLICT,
            CONFLICT,
            "CANCELLED",
            "CANCELLED"
        },
    };

    static Stream<Arguments> cells() {
        return Stream.of(TABLE)
                .flatMap(
                        row -> {
                            Stream.Builder<Arguments> cells = Stream.builder();
                            for (int column = 0; column < COLUMNS.length; column++) {
                                cells.add(Arguments.of(row[0], COLUMNS[column], row[column + 1]));
                            }
                            return cells.build();
                        });
    }

    @ParameterizedTest(name = "{0} --{1}--> {2}")
    @MethodSource("cells")
    void actionFromSituationLeadsToTheStateOfTheTable(
            String situation, String action, String expected) {
        Job job = in(situation);
        JobState before = job.state();
        if (CONFLICT.equals(expected)) {
            assertThatThrownBy(() -> ACTIONS.get(action).accept(job))
                    .isInstanceOf(JobStateConflictException.class)
                    .satisfies(
                            ex ->
                                    assertThat(((JobStateConflictException) ex).state())
                                            .isEqualTo(before));
            assertThat(job.state()).as("a refused action changes nothing").isEqualTo(before);
        } else {
            ACTIONS.get(action).accept(job);
            assertThat(job.state()).isEqualTo(JobState.valueOf(expected));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("situations")
    void tableCoversEverySituationAndEveryAction(String situation) {
        assertThat(Stream.of(TABLE).map(row -> row[0])).contains(situation);
        assertThat(COLUMNS).containsExactlyInAnyOrderElementsOf(ACTIONS.keySet());
        assertThat(Stream.of(TABLE)).allSatisfy(row -> assertThat(row).hasSize(COLUMNS.length + 1));
    }

    static Stream<String> situations() {
        return SITUATIONS.keySet().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("situations")
    void shutdownStopsEveryUnfinishedJobAndLeavesFinishedOnesAlone(String situation) {
        Job job = in(situation);
        boolean finished = job.state().isFinished();
        job.requestStopForShutdown();
        assertThat(job.stoppedForShutdown()).isEqualTo(!finished);
        assertThat(job.stopRequested()).isEqualTo(!finished || situation.equals("cancelled"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("situations")
    void finishRefusesAStateThatIsNotAnOutcome(String situation) {
        for (JobState notAnOutcome :
                EnumSet.of(JobState.QUEUED, JobState.RUNNING, JobState.WAITING, JobState.PAUSED)) {
            Job job = in(situation);
            JobState before = job.state();
            assertThatThrownBy(() -> job.finish(notAnOutcome, T1, null))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(job.state()).isEqualTo(before);
        }
    }

    private static Job in(String situation) {
        Supplier<Job> fresh = JobTransitionTableTests::job;
        Job job = fresh.get();
        SITUATIONS.get(situation).accept(job);
        return job;
    }

    private static void waiting(Job job) {
        job.start(T0);
        job.storageUnavailable(T0, T0.plusSeconds(600));
    }

    private static void finished(Job job, JobState outcome) {
        job.start(T0);
        if (outcome == JobState.CANCELLED) {
            job.requestCancel();
        }
        job.finish(outcome, T0, null);
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
