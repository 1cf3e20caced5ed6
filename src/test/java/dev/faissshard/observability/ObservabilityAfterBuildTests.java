package dev.faissshard.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real build of the sample images (repeated, plus rows whose files are missing, with small shards
 * so some are sealed), seen through {@code /actuator/prometheus} and the log: per-job gauges agree
 * with the job view, all six stages have histogram buckets, every metric the Grafana dashboard
 * queries exists, and progress lines come as structured JSON.
 */
@ExtendWith(OutputCaptureExtension.class)
// Closed after the class: while a context lives, later contexts in the JVM keep its logging setup,
// and
// the JSON format is this class's business only.
@DirtiesContext
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "logging.structured.format.console=ecs", "fsb.observability.progress-log=always",
            "fsb.observability.progress-log-interval=100ms",
                    "fsb.observability.job-gauges-refresh=50ms",
            "fsb.job.batch-size=8", "fsb.shard.max-vectors=50"
        })
class ObservabilityAfterBuildTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int GOOD_ROWS = 200;
    private static final int MISSING_ROWS = 3;
    private static final Pattern METRIC = Pattern.compile("\\bfsb_[a-z0-9_]+");

    private static String jobId;
    private static String prometheus;
    private static String buildLog;

    @LocalServerPort int port;
    @Autowired MeterRegistry meters;
    @Autowired JobProgressGauges gauges;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("observability-build");
        Path images = Path.of("samples/images").toAbsolutePath().toRealPath();
        List<Path> samples;
        try (var files = Files.list(images)) {
            samples = files.filter(file -> file.toString().endsWith(".jpg")).sorted().toList();
        }
        List<String> lines = new ArrayList<>(List.of("id,image_url"));
        for (int i = 0; i < GOOD_ROWS; i++) {
            lines.add("sku-" + i + "," + samples.get(i % samples.size()).toUri());
        }
        for (int i = 0; i < MISSING_ROWS; i++) {
            lines.add("gone-" + i + "," + images.resolve("missing-" + i + ".jpg").toUri());
        }
        Path catalogue = Files.write(root.resolve("catalog.csv"), lines);
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.fetch.files.roots", images::toString);
    }

    @Test
    void perJobGaugesAgreeWithTheJobView(CapturedOutput output) throws Exception {
        build(output);
        Map<?, ?> view = JSON.readValue(get("/jobs/" + jobId), Map.class);
        Map<?, ?> counts = (Map<?, ?>) view.get("counts");
        long failed = ((Number) counts.get("failed")).longValue();
        assertThat(failed).isEqualTo(MISSING_ROWS);
        assertThat(gauge("fsb_job_total_images")).isEqualTo(GOOD_ROWS + MISSING_ROWS);
        assertThat(gauge("fsb_job_done_images")).isEqualTo(GOOD_ROWS + MISSING_ROWS);
        assertThat(gauge("fsb_job_failed_images")).isEqualTo(MISSING_ROWS);
        assertThat(gauge("fsb_job_images_per_second"))
                .isPositive()
                .isEqualTo(((Number) view.get("imagesPerSecond")).doubleValue());
        // A finished job has no ETA: the gauge says NaN rather than a stale number.
        assertThat(gauge("fsb_job_eta_seconds")).isNaN();
    }

    @Test
    void refreshingTheGaugesNeverTakesALiveJobsSeriesAway(CapturedOutput output) throws Exception {
        build(output);
        List<String> removed = new CopyOnWriteArrayList<>();
        meters.config().onMeterRemoved(meter -> removed.add(meter.getId().getName()));
        for (int i = 0; i < 20; i++) {
            gauges.refresh();
        }
        assertThat(removed).noneMatch(name -> name.startsWith("fsb.job."));
        for (String name :
                List.of("fsb.job.images.per.second", "fsb.job.eta", "fsb.job.done.images")) {
            assertThat(meters.find(name).tag("job.id", jobId).gauge()).as(name).isNotNull();
        }
    }

    @Test
    void allSixStagesHaveHistogramBuckets(CapturedOutput output) throws Exception {
        build(output);
        for (String stage : List.of("fetch", "decode", "embed", "add", "serialize", "upload")) {
            assertThat(prometheus)
                    .as("buckets of stage %s", stage)
                    .containsPattern(
                            "fsb_stage_duration_seconds_bucket\\{[^}]*stage=\""
                                    + stage
                                    + "\"[^}]*le=\"\\+Inf\"");
        }
    }

    @Test
    void everyMetricTheGrafanaDashboardQueriesExists(CapturedOutput output) throws Exception {
        build(output);
        JsonNode dashboard =
                JSON.readTree(Files.readString(Path.of("deploy/grafana/faiss-shard-builder.json")));
        Set<String> queried = new TreeSet<>();
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                String expr = target.get("expr").asString();
                expressions.add(expr);
                Matcher matcher = METRIC.matcher(expr);
                while (matcher.find()) {
                    queried.add(matcher.group());
                }
            }
        }
        assertThat(expressions).hasSizeGreaterThan(10);
        assertThat(queried)
                .contains(
                        "fsb_images_failed_total",
                        "fsb_batch_duration_seconds_bucket",
                        "fsb_stage_duration_seconds_bucket",
                        "fsb_storage_uploaded_bytes_total",
                        "fsb_job_done_images");
        Set<String> exported = new TreeSet<>();
        Matcher series =
                Pattern.compile("^(fsb_[a-z0-9_]+)[{ ]", Pattern.MULTILINE).matcher(prometheus);
        while (series.find()) {
            exported.add(series.group(1));
        }
        assertThat(exported).containsAll(queried);
    }

    @Test
    void progressLinesAreStructuredJson(CapturedOutput output) throws Exception {
        build(output);
        List<JsonNode> progress = new ArrayList<>();
        for (String line : buildLog.lines().toList()) {
            if (line.startsWith("{") && line.contains(ProgressLog.class.getName())) {
                progress.add(JSON.readTree(line));
            }
        }
        assertThat(progress).as("progress lines of the build").isNotEmpty();
        JsonNode last = progress.get(progress.size() - 1);
        assertThat(last.get("message").asString())
                .matches(
                        "Job "
                                + jobId
                                + ": [\\d,]+ / 203 \\(\\d+\\.\\d%\\), \\d+\\.\\d images/s.*");
        JsonNode job = last.has("job") ? last.get("job") : last;
        JsonNode done = job.has("done") ? job.get("done") : last.get("job.done");
        assertThat(done).as("done as a field of %s", last).isNotNull();
        assertThat(done.asLong()).isBetween(0L, (long) GOOD_ROWS + MISSING_ROWS);
    }

    /**
     * One build for the whole class: the first test runs it, and keeps the log written meanwhile.
     */
    private synchronized void build(CapturedOutput output) throws Exception {
        if (jobId != null) {
            return;
        }
        HttpResponse<String> created =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String id = (String) JSON.readValue(created.body(), Map.class).get("id");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        Map<?, ?> view = Map.of();
        while (!"SUCCEEDED".equals(view.get("state"))) {
            assertThat(System.nanoTime())
                    .as("job still running; last view " + view)
                    .isLessThan(deadline);
            assertThat(view.get("state")).as("job state").isNotIn("FAILED", "CANCELLED");
            Thread.sleep(50);
            view = JSON.readValue(get("/jobs/" + id), Map.class);
        }
        // The gauges take in the job at their next refresh (50 ms here); wait for its final figure.
        String scraped = get("/actuator/prometheus");
        while (!scraped.contains("fsb_job_done_images{")
                || value(scraped, "fsb_job_done_images", id) < GOOD_ROWS + MISSING_ROWS) {
            assertThat(System.nanoTime()).as("gauges of job " + id).isLessThan(deadline);
            Thread.sleep(50);
            scraped = get("/actuator/prometheus");
        }
        prometheus = scraped;
        buildLog = output.getAll();
        jobId = id;
    }

    private double gauge(String name) {
        return value(prometheus, name, jobId);
    }

    private static double value(String scraped, String name, String id) {
        Matcher matcher =
                Pattern.compile("^" + name + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE)
                        .matcher(scraped);
        while (matcher.find()) {
            if (matcher.group(1).contains("job_id=\"" + id + "\"")) {
                return Double.parseDouble(matcher.group(2));
            }
        }
        return -1;
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }
}
