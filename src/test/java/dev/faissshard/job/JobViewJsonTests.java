package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.autoconfigure.json.JsonTest;
import org.springframework.boot.test.json.JacksonTester;

/**
 * The job view as the API writes it, against the committed {@code fixtures/job-view-v1.json}: what
 * scripts and dashboards read ({@code jq '.counts.embedded'}). A field renamed, dropped or written
 * in another form fails here before it reaches a user.
 */
@JsonTest
class JobViewJsonTests {

    private static final String FIXTURE = "/fixtures/job-view-v1.json";

    @Autowired JacksonTester<JobView> json;

    @Test
    void viewIsWrittenExactlyAsTheFixture() throws Exception {
        assertThat(json.write(view())).isStrictlyEqualToJson(fixture());
    }

    @Test
    void fixtureReadsBackIntoTheSameView() throws Exception {
        assertThat(json.parseObject(fixture())).isEqualTo(view());
    }

    @Test
    void viewOfAJobJustSubmittedLeavesWhatIsNotKnownYetNull() throws Exception {
        JobSpec spec =
                new JobSpec(
                        java.util.EnumSet.of(
                                dev.faissshard.embedding.IndexType.COLOR,
                                dev.faissshard.embedding.IndexType.COMBINED),
                        new dev.faissshard.catalog.CatalogSpec(
                                dev.faissshard.catalog.CatalogType.CSV, "catalog.csv"),
                        dev.faissshard.index.IndexLayout.at("team/"),
                        64,
                        0,
                        false,
                        Partition.WHOLE);
        Job job =
                new Job(
                        "job-1",
                        spec,
                        "local:/data/storage prefix team/",
                        "csv:catalog.csv",
                        Instant.parse("2026-12-01T10:00:00Z"));
        var written = json.write(JobView.of(job, Instant.parse("2026-12-01T10:00:05Z")));
        assertThat(written).extractingJsonPathStringValue("$.state").isEqualTo("QUEUED");
        assertThat(written)
                .extractingJsonPathArrayValue("$.indexTypes")
                .containsExactly("color", "combined");
        assertThat(written).extractingJsonPathStringValue("$.prefix").isEqualTo("team");
        assertThat(written)
                .extractingJsonPathStringValue("$.createdAt")
                .isEqualTo("2026-12-01T10:00:00Z");
        assertThat(written.getJson())
                .contains("\"startedAt\":null", "\"total\":null", "\"lastError\":null");
        assertThat(written).extractingJsonPathValue("$.imagesPerSecond").isNull();
        assertThat(written).extractingJsonPathValue("$.etaSeconds").isNull();
        assertThat(written).extractingJsonPathNumberValue("$.counts.seen").isEqualTo(0);
        assertThat(written).extractingJsonPathMapValue("$.indexes").isEmpty();
    }

    @Test
    void waitingStalledAndDeadlineAreWrittenAsTheContractNamesThem() throws Exception {
        JobView base = view();
        JobView waiting =
                new JobView(
                        base.id(),
                        JobState.WAITING,
                        base.indexTypes(),
                        base.catalog(),
                        base.storage(),
                        base.prefix(),
                        base.partition(),
                        base.counts(),
                        base.indexes(),
                        base.imagesPerSecond(),
                        base.total(),
                        base.etaSeconds(),
                        base.stageSeconds(),
                        base.uploadedBytes(),
                        base.createdAt(),
                        base.startedAt(),
                        base.updatedAt(),
                        null,
                        null,
                        new JobView.Waiting(
                                "storage_unavailable",
                                Instant.parse("2026-12-01T10:01:00Z"),
                                Instant.parse("2026-12-01T10:11:00Z")),
                        new JobView.Stalled(
                                Instant.parse("2026-12-01T10:05:25Z"),
                                Instant.parse("2026-12-01T10:00:25Z")),
                        Instant.parse("2026-12-01T12:00:01.500Z"),
                        null,
                        true,
                        null);
        var written = json.write(waiting);
        assertThat(written).extractingJsonPathStringValue("$.state").isEqualTo("WAITING");
        assertThat(written)
                .extractingJsonPathMapValue("$.waiting")
                .containsExactly(
                        Map.entry("reason", "storage_unavailable"),
                        Map.entry("since", "2026-12-01T10:01:00Z"),
                        Map.entry("until", "2026-12-01T10:11:00Z"));
        assertThat(written)
                .extractingJsonPathMapValue("$.stalled")
                .containsExactly(
                        Map.entry("since", "2026-12-01T10:05:25Z"),
                        Map.entry("lastProgressAt", "2026-12-01T10:00:25Z"));
        assertThat(written)
                .extractingJsonPathStringValue("$.deadline")
                .isEqualTo("2026-12-01T12:00:01.500Z");
        assertThat(written).extractingJsonPathBooleanValue("$.pausing").isTrue();
        assertThat(json.parseObject(written.getJson())).isEqualTo(waiting);
    }

    @Test
    void viewOfAJobPastItsDeadlineNamesTheFailureCode() throws Exception {
        Job job =
                new Job(
                        "job-2",
                        new JobSpec(
                                java.util.EnumSet.of(dev.faissshard.embedding.IndexType.COLOR),
                                new dev.faissshard.catalog.CatalogSpec(
                                        dev.faissshard.catalog.CatalogType.CSV, "catalog.csv"),
                                dev.faissshard.index.IndexLayout.at(""),
                                64,
                                0,
                                false,
                                Partition.WHOLE,
                                java.time.Duration.ofHours(2),
                                java.util.Set.of()),
                        "local:/data/storage",
                        "csv:catalog.csv",
                        Instant.parse("2026-12-01T10:00:00Z"));
        job.start(Instant.parse("2026-12-01T10:00:01Z"));
        job.fail(Instant.parse("2026-12-01T12:00:02Z"), "deadline_exceeded", "past it");
        var written = json.write(JobView.of(job, Instant.parse("2026-12-01T12:00:03Z")));
        assertThat(written).extractingJsonPathStringValue("$.state").isEqualTo("FAILED");
        assertThat(written)
                .extractingJsonPathStringValue("$.failureCode")
                .isEqualTo("deadline_exceeded");
        assertThat(written)
                .extractingJsonPathStringValue("$.deadline")
                .isEqualTo("2026-12-01T12:00:01Z");
        assertThat(written.getJson()).contains("\"waiting\":null", "\"stalled\":null");
    }

    @Test
    void viewNamesTheJobsOperationAndReadsItBack() throws Exception {
        Job job =
                new Job(
                        "job-3",
                        new JobSpec(
                                java.util.EnumSet.of(dev.faissshard.embedding.IndexType.COLOR),
                                new dev.faissshard.catalog.CatalogSpec(
                                        dev.faissshard.catalog.CatalogType.CSV, "catalog.csv"),
                                dev.faissshard.index.IndexLayout.at(""),
                                64,
                                0,
                                false,
                                Partition.WHOLE,
                                null,
                                java.util.Set.of(),
                                JobOperation.COMPACT,
                                List.of()),
                        "local:/data/storage",
                        "csv:catalog.csv",
                        Instant.parse("2026-12-01T10:00:00Z"));
        var written = json.write(JobView.of(job, Instant.parse("2026-12-01T10:00:05Z")));
        assertThat(written).extractingJsonPathStringValue("$.operation").isEqualTo("compact");
        assertThat(json.parseObject(written.getJson()).operation()).isEqualTo(JobOperation.COMPACT);
        // History written before jobs had operations has no such field.
        assertThat(json.parseObject(fixture()).operation()).isNull();
    }

    /** A job part-way through: every field set, so that every field is pinned. */
    static JobView view() {
        Map<String, Long> failed = new LinkedHashMap<>();
        failed.put("http_status", 2L);
        failed.put("timeout", 1L);
        Map<String, JobView.IndexView> indexes = new LinkedHashMap<>();
        indexes.put("color", new JobView.IndexView(1, 1200, 47_185_000, 200));
        indexes.put("combined", new JobView.IndexView(0, 1200, 3_686_400, 1200));
        Map<String, Double> stages = new LinkedHashMap<>();
        stages.put("fetch", 12.5);
        stages.put("decode", 7.25);
        stages.put("embed", 3.0);
        return new JobView(
                "6f0c9a1e-2b47-4d0e-9a59-0d7c1e3b8a21",
                JobState.RUNNING,
                List.of("color", "combined"),
                "csv:/data/catalog.csv",
                "local:/data/storage prefix team/part-1-of-4",
                "team/part-1-of-4",
                new Partition(1, 4),
                new JobView.Counts(1210, 1200, 7, 3, failed),
                indexes,
                48.4,
                5000L,
                78L,
                stages,
                50_871_400L,
                Instant.parse("2026-12-01T10:00:00Z"),
                Instant.parse("2026-12-01T10:00:01.500Z"),
                Instant.parse("2026-12-01T10:00:25Z"),
                null,
                null,
                null,
                null,
                null,
                null,
                false,
                null);
    }

    private static String fixture() throws IOException {
        try (InputStream in = JobViewJsonTests.class.getResourceAsStream(FIXTURE)) {
            assertThat(in).as(FIXTURE).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
