package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testsupabase.BucketIndex;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Patience with storage, on the Supabase emulator with real FAISS and ONNX Runtime: Supabase
 * Storage goes away for 60 seconds in the middle of a build (30 s of 503s, then 30 s of connections
 * reset before any answer), far longer than each call's own retries and than the index lease's 30
 * s. The job shows {@code WAITING} with its reason (view, {@code jobs} health contributor, {@code
 * fsb_job_waiting}), goes on by itself when storage is back, and ends {@code SUCCEEDED} with
 * exactly the vectors of a fault-free build of the same catalogue, every id once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class StorageOutageBuildTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 160;
    private static final String[] TYPES = {"color", "structure", "combined"};
    private static final Duration OUTAGE = Duration.ofSeconds(60);
    private static final SupabaseEmulator EMULATOR = startEmulator();

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void supabase(DynamicPropertyRegistry registry) {
        registry.add("fsb.supabase.url", EMULATOR::url);
        registry.add("fsb.supabase.key", () -> SupabaseEmulator.SERVICE_KEY);
        registry.add("fsb.supabase.read-timeout", () -> "1s");
        // Each call gives up within a second or so: from then on the outage policy waits.
        registry.add("fsb.supabase.retry.max-attempts", () -> "3");
        registry.add("fsb.supabase.retry.initial-backoff", () -> "5ms");
        registry.add("fsb.supabase.retry.max-backoff", () -> "50ms");
        registry.add("fsb.storage.type", () -> "supabase");
        registry.add("fsb.storage.supabase.bucket", () -> "faiss-shards");
        registry.add("fsb.storage.supabase.create-bucket", () -> "true");
        registry.add("fsb.storage.outage-timeout", () -> "5m");
        registry.add("fsb.storage.outage-initial-backoff", () -> "200ms");
        registry.add("fsb.storage.outage-max-backoff", () -> "2s");
        registry.add("fsb.catalog.type", () -> "supabase");
        registry.add("fsb.catalog.location", () -> "images");
        registry.add("fsb.catalog.supabase.page-size", () -> "50");
        registry.add("fsb.shard.max-vectors", () -> "40");
        registry.add("fsb.job.batch-size", () -> "16");
        registry.add("fsb.observability.job-gauges-refresh", () -> "100ms");
        registry.add("management.endpoint.health.show-details", () -> "always");
    }

    @AfterAll
    static void stopEmulator() {
        EMULATOR.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aSixtySecondOutageIsWaitedOutAndTheIndexIsExact() throws Exception {
        Map<String, Object> clean = awaitFinished(post("{\"prefix\":\"clean\"}"));
        assertThat(clean.get("state")).as("fault-free job %s", clean).isEqualTo("SUCCEEDED");

        // Every call on the outage index's objects (and every TUS upload) fails, once the build is
        // under way.
        Predicate<SupabaseEmulator.Call> outageIndex =
                call ->
                        call.path().contains("/faiss-shards/outage/")
                                || call.path().startsWith("/upload/");
        EMULATOR.failAfter(outageIndex, 20, Fault.UNAVAILABLE);
        Instant submitted = Instant.now();
        String location = post("{\"prefix\":\"outage\"}");
        List<String> timeline = new ArrayList<>();
        Instant outageStart;
        Map<String, Object> waiting;
        String health;
        String prometheus;
        try {
            outageStart =
                    awaitTrue(() -> EMULATOR.injected(Fault.UNAVAILABLE) > 0, "the outage began");
            timeline.add(at(submitted, outageStart) + " first 503 of the outage");
            waiting = awaitView(location, view -> "WAITING".equals(view.get("state")));
            timeline.add(
                    at(submitted, Instant.now()) + " job seen WAITING: " + waiting.get("waiting"));
            health = get("/actuator/health").body();
            prometheus = awaitPrometheus("fsb_job_waiting", id(location), 1.0);
            sleepUntil(outageStart.plus(OUTAGE.dividedBy(2)));
            // The second half: no answer at all, as when the host is unreachable.
            EMULATOR.failAfter(outageIndex, 0, Fault.RESET_BEFORE);
            timeline.add(at(submitted, Instant.now()) + " 503s give way to connection resets");
            Map<String, Object> stillWaiting = view(location);
            assertThat(stillWaiting.get("state")).as("view %s", stillWaiting).isEqualTo("WAITING");
            sleepUntil(outageStart.plus(OUTAGE));
        } finally {
            EMULATOR.stopFaults();
        }
        timeline.add(at(submitted, Instant.now()) + " storage answers again");
        Map<String, Object> resumed =
                awaitView(location, view -> !"WAITING".equals(view.get("state")));
        timeline.add(at(submitted, Instant.now()) + " job seen " + resumed.get("state"));
        Map<String, Object> finished = awaitFinished(location);
        timeline.add(at(submitted, Instant.now()) + " job " + finished.get("state"));
        System.out.println("60 s storage outage timeline (seconds after submission):");
        timeline.forEach(line -> System.out.println("  " + line));
        System.out.printf(
                "  faults injected: %d x 503, %d x reset; outage metric %s%n",
                EMULATOR.injected(Fault.UNAVAILABLE),
                EMULATOR.injected(Fault.RESET_BEFORE),
                value(get("/actuator/prometheus").body(), "fsb_storage_outage_seconds_total"));

        Map<String, Object> reason = (Map<String, Object>) waiting.get("waiting");
        assertThat(reason).containsEntry("reason", "storage_unavailable");
        assertThat(Instant.parse((String) reason.get("until")))
                .isEqualTo(Instant.parse((String) reason.get("since")).plus(Duration.ofMinutes(5)));
        assertThat(health)
                .contains("\"jobs\"")
                .contains("\"state\":\"WAITING\"")
                .contains("\"waiting\":\"storage_unavailable\"");
        assertThat(prometheus).isNotNull();
        assertThat(finished.get("state")).as("job %s", finished).isEqualTo("SUCCEEDED");
        assertThat(finished.get("waiting")).isNull();
        assertThat(finished.get("failureCode")).isNull();
        assertThat(EMULATOR.injected(Fault.UNAVAILABLE) + EMULATOR.injected(Fault.RESET_BEFORE))
                .as("the outage was felt")
                .isGreaterThan(10);
        assertThat(value(get("/actuator/prometheus").body(), "fsb_storage_outage_seconds_total"))
                .as("seconds waited for storage")
                .isGreaterThanOrEqualTo(OUTAGE.toSeconds() / 2.0);
        assertThat(awaitPrometheus("fsb_job_waiting", id(location), 0.0)).isNotNull();
        List<Map<String, Object>> jobs = JSON.readValue(get("/jobs").body(), List.class);
        assertThat(jobs).extracting(job -> job.get("state")).doesNotContain("FAILED");

        Map<String, byte[]> bucket = EMULATOR.objects("faiss-shards");
        for (String type : TYPES) {
            BucketIndex.Contents expected = BucketIndex.read(bucket, "clean", type);
            BucketIndex.Contents actual = BucketIndex.read(bucket, "outage", type);
            assertThat(expected.vectors()).as("clean %s", type).hasSize(IMAGES - 2);
            assertThat(actual.catalogIds())
                    .as("outage %s", type)
                    .hasSize(IMAGES - 2)
                    .doesNotHaveDuplicates();
            assertThat(actual.vectors().keySet())
                    .containsExactlyElementsOf(expected.vectors().keySet());
            expected.vectors()
                    .forEach(
                            (id, vector) ->
                                    assertThat(actual.vectors().get(id))
                                            .as("%s vector of %s", type, id)
                                            .containsExactly(vector));
            assertThat(actual.shards()).isEqualTo(expected.shards()).isPositive();
        }
    }

    private static String at(Instant start, Instant when) {
        return String.format(
                java.util.Locale.ROOT, "%6.1f", Duration.between(start, when).toMillis() / 1000.0);
    }

    private static void sleepUntil(Instant when) throws InterruptedException {
        long millis = Duration.between(Instant.now(), when).toMillis();
        if (millis > 0) {
            Thread.sleep(millis);
        }
    }

    private static Instant awaitTrue(java.util.function.BooleanSupplier condition, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return Instant.now();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("not in time: " + what);
    }

    /** The scrape once the job's gauge shows {@code expected}. */
    private String awaitPrometheus(String gauge, String jobId, double expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Pattern row =
                Pattern.compile(
                        "^"
                                + gauge
                                + "\\{[^}]*job_id=\""
                                + Pattern.quote(jobId)
                                + "\"[^}]*} (\\S+)$",
                        Pattern.MULTILINE);
        String scraped = "";
        while (System.nanoTime() < deadline) {
            scraped = get("/actuator/prometheus").body();
            Matcher matcher = row.matcher(scraped);
            if (matcher.find() && Double.parseDouble(matcher.group(1)) == expected) {
                return scraped;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(gauge + " of " + jobId + " never " + expected);
    }

    private static double value(String scraped, String counter) {
        Matcher matcher =
                Pattern.compile("^" + counter + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE)
                        .matcher(scraped);
        assertThat(matcher.find()).as(counter).isTrue();
        return Double.parseDouble(matcher.group(2));
    }

    private static String id(String location) {
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private static SupabaseEmulator startEmulator() {
        try {
            SupabaseEmulator emulator = new SupabaseEmulator();
            emulator.createBucket("products", false, null);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 1; i <= IMAGES; i++) {
                // Two rows name objects that do not exist: lasting failures, alike in both builds.
                if (i != 7 && i != 99) {
                    byte[] jpeg =
                            ProductImageGenerator.jpeg(
                                    ProductImageGenerator.render(
                                            ProductImageGenerator.catalogueSpec(i), 96),
                                    0.85f);
                    emulator.putObject("products", "catalogue/" + i + ".jpg", jpeg, "image/jpeg");
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", (long) i);
                row.put("image_url", "supabase://products/catalogue/" + i + ".jpg");
                rows.add(row);
            }
            emulator.table("images", rows);
            return emulator;
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private String post(String body) throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private Map<String, Object> awaitFinished(String location) throws Exception {
        return awaitView(
                location,
                view -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(view.get("state")));
    }

    private Map<String, Object> awaitView(String location, Predicate<Map<String, Object>> condition)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        Map<String, Object> view = Map.of();
        while (System.nanoTime() < deadline) {
            view = view(location);
            if (condition.test(view)) {
                return view;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached in time; last view " + view);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> view(String location) throws Exception {
        return JSON.readValue(get(location).body(), Map.class);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
