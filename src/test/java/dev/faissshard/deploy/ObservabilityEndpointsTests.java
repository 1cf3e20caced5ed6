package dev.faissshard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the README's observability section promises, seen from outside a real started service after
 * a real build of the bundled samples: histogram buckets for the batch and stage timers (so {@code
 * histogram_quantile} has something to work on) and build and git facts in {@code /actuator/info}.
 * Requests go to loopback without credentials.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ObservabilityEndpointsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern BUCKET =
            Pattern.compile(
                    "^(fsb_(?:batch|stage)_duration_seconds)_bucket\\{([^}]*)le=\"([^\"]+)\"[^}]*} ([0-9.eE+]+)$",
                    Pattern.MULTILINE);

    private static Path storage;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void storage(DynamicPropertyRegistry registry) throws IOException {
        storage = Files.createTempDirectory("observability").resolve("storage");
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", () -> "samples/catalog.csv");
        registry.add("fsb.job.batch-size", () -> "16");
    }

    @BeforeAll
    static void samplesAreThere() {
        assertThat(Path.of("samples/catalog.csv")).isRegularFile();
    }

    @Test
    void batchAndStageTimersExportCumulativeHistogramBucketsAfterABuild() throws Exception {
        build();
        String prometheus = get("/actuator/prometheus").body();

        Map<String, Long> batchBuckets = buckets(prometheus, "fsb_batch_duration_seconds", "");
        assertThat(batchBuckets)
                .as("fsb_batch_duration_seconds_bucket series")
                .hasSizeGreaterThan(5);
        long batches = count(prometheus, "fsb_batch_duration_seconds", "");
        // 48 sample images in batches of 16: at least three batches, and every one is in the +Inf
        // bucket.
        assertThat(batches).isGreaterThanOrEqualTo(3);
        assertThat(batchBuckets).containsEntry("+Inf", batches);
        assertThat(List.copyOf(batchBuckets.values())).isSorted();

        // Every stage of the job view is a meter too: one recorder feeds both.
        for (String stage : List.of("fetch", "decode", "embed", "add", "serialize", "upload")) {
            String tag = "stage=\"" + stage + "\"";
            Map<String, Long> stageBuckets = buckets(prometheus, "fsb_stage_duration_seconds", tag);
            assertThat(stageBuckets)
                    .as("buckets of stage %s", stage)
                    .hasSizeGreaterThan(5)
                    .containsEntry("+Inf", count(prometheus, "fsb_stage_duration_seconds", tag));
        }
    }

    @Test
    void infoEndpointCarriesBuildAndGitFacts() throws Exception {
        HttpResponse<String> response = get("/actuator/info");
        assertThat(response.statusCode()).isEqualTo(200);
        Map<?, ?> info = JSON.readValue(response.body(), Map.class);
        Map<?, ?> build = (Map<?, ?>) info.get("build");
        assertThat(build).as("build info in %s", response.body()).isNotNull();
        assertThat(build.get("artifact")).isEqualTo("faiss-shard-builder");
        assertThat(build.get("version").toString()).isNotBlank();
        assertThat(build.get("time")).isNotNull();
        Map<?, ?> git = (Map<?, ?>) info.get("git");
        assertThat(git).as("git info in %s", response.body()).isNotNull();
        Map<?, ?> commit = (Map<?, ?>) git.get("commit");
        assertThat(commit.get("id").toString()).matches("[0-9a-f]{7,40}");
    }

    private void build() throws Exception {
        HttpResponse<String> created = post("/jobs", "{}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String location = created.headers().firstValue("Location").orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<?, ?> view = Map.of();
        while (System.nanoTime() < deadline) {
            view = JSON.readValue(get(location).body(), Map.class);
            if ("SUCCEEDED".equals(view.get("state"))) {
                return;
            }
            assertThat(view.get("state")).as("job state").isNotIn("FAILED", "CANCELLED");
            Thread.sleep(50);
        }
        throw new AssertionError("job did not succeed; last view " + view);
    }

    /**
     * Bucket upper bound to cumulative count, for the series of {@code metric} whose tags contain
     * {@code tag}.
     */
    private static Map<String, Long> buckets(String prometheus, String metric, String tag) {
        Map<String, Long> buckets = new java.util.LinkedHashMap<>();
        Matcher matcher = BUCKET.matcher(prometheus);
        while (matcher.find()) {
            if (matcher.group(1).equals(metric) && matcher.group(2).contains(tag)) {
                buckets.put(matcher.group(3), (long) Double.parseDouble(matcher.group(4)));
            }
        }
        return buckets;
    }

    private static long count(String prometheus, String metric, String tag) {
        Matcher matcher =
                Pattern.compile("^" + metric + "_count\\{([^}]*)} ([0-9.eE+]+)$", Pattern.MULTILINE)
                        .matcher(prometheus);
        while (matcher.find()) {
            if (matcher.group(1).contains(tag)) {
                return (long) Double.parseDouble(matcher.group(2));
            }
        }
        throw new AssertionError(metric + "_count with " + tag + " not found");
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
