package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
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
    private static final Duration OUTAGE = Duration.ofSeconds(60);
    private static final SupabaseEmulator EMULATOR = SupabaseBuildFixture.startEmulator(IMAGES);

    @LocalServerPort int port;

    private JobsClient jobs;

    @BeforeEach
    void connect() {
        jobs = new JobsClient(port, Duration.ofSeconds(180));
    }

    @DynamicPropertySource
    static void supabase(DynamicPropertyRegistry registry) {
        SupabaseBuildFixture.register(registry, EMULATOR);
        // Each call gives up within a second or so: from then on the outage policy waits.
        registry.add("fsb.supabase.retry.max-attempts", () -> "3");
        registry.add("fsb.supabase.retry.initial-backoff", () -> "5ms");
        registry.add("fsb.supabase.retry.max-backoff", () -> "50ms");
        registry.add("fsb.storage.outage-timeout", () -> "5m");
        registry.add("fsb.storage.outage-initial-backoff", () -> "200ms");
        registry.add("fsb.storage.outage-max-backoff", () -> "2s");
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
        Map<String, Object> clean = jobs.awaitFinished(jobs.post("{\"prefix\":\"clean\"}"));
        assertThat(clean.get("state")).as("fault-free job %s", clean).isEqualTo("SUCCEEDED");

        // Every call on the outage index's objects (and every TUS upload) fails, once the build is
        // under way.
        Predicate<SupabaseEmulator.Call> outageIndex =
                call ->
                        call.path().contains("/faiss-shards/outage/")
                                || call.path().startsWith("/upload/");
        EMULATOR.failAfter(outageIndex, 20, Fault.UNAVAILABLE);
        Instant submitted = Instant.now();
        String location = jobs.post("{\"prefix\":\"outage\"}");
        List<String> timeline = new ArrayList<>();
        Instant outageStart;
        Map<String, Object> waiting;
        String health;
        String prometheus;
        try {
            outageStart =
                    awaitTrue(() -> EMULATOR.injected(Fault.UNAVAILABLE) > 0, "the outage began");
            timeline.add(at(submitted, outageStart) + " first 503 of the outage");
            waiting = jobs.awaitView(location, view -> "WAITING".equals(view.get("state")));
            timeline.add(
                    at(submitted, Instant.now()) + " job seen WAITING: " + waiting.get("waiting"));
            health = jobs.get("/actuator/health").body();
            prometheus = jobs.awaitGauge("fsb_job_waiting", JobsClient.id(location), 1.0);
            sleepUntil(outageStart.plus(OUTAGE.dividedBy(2)));
            // The second half: no answer at all, as when the host is unreachable.
            EMULATOR.failAfter(outageIndex, 0, Fault.RESET_BEFORE);
            timeline.add(at(submitted, Instant.now()) + " 503s give way to connection resets");
            Map<String, Object> stillWaiting = jobs.view(location);
            assertThat(stillWaiting.get("state")).as("view %s", stillWaiting).isEqualTo("WAITING");
            sleepUntil(outageStart.plus(OUTAGE));
        } finally {
            EMULATOR.stopFaults();
        }
        timeline.add(at(submitted, Instant.now()) + " storage answers again");
        Map<String, Object> resumed =
                jobs.awaitView(location, view -> !"WAITING".equals(view.get("state")));
        timeline.add(at(submitted, Instant.now()) + " job seen " + resumed.get("state"));
        Map<String, Object> finished = jobs.awaitFinished(location);
        timeline.add(at(submitted, Instant.now()) + " job " + finished.get("state"));
        System.out.println("60 s storage outage timeline (seconds after submission):");
        timeline.forEach(line -> System.out.println("  " + line));
        System.out.printf(
                "  faults injected: %d x 503, %d x reset; outage metric %s%n",
                EMULATOR.injected(Fault.UNAVAILABLE),
                EMULATOR.injected(Fault.RESET_BEFORE),
                value(jobs.get("/actuator/prometheus").body(), "fsb_storage_outage_seconds_total"));

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
        assertThat(
                        value(
                                jobs.get("/actuator/prometheus").body(),
                                "fsb_storage_outage_seconds_total"))
                .as("seconds waited for storage")
                .isGreaterThanOrEqualTo(OUTAGE.toSeconds() / 2.0);
        assertThat(jobs.awaitGauge("fsb_job_waiting", JobsClient.id(location), 0.0)).isNotNull();
        List<Map<String, Object>> views = JSON.readValue(jobs.get("/jobs").body(), List.class);
        assertThat(views).extracting(job -> job.get("state")).doesNotContain("FAILED");

        SupabaseBuildFixture.assertSameIndex(
                EMULATOR.objects(SupabaseBuildFixture.BUCKET), "clean", "outage", IMAGES - 2);
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

    private static double value(String scraped, String counter) {
        Matcher matcher =
                Pattern.compile("^" + counter + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE)
                        .matcher(scraped);
        assertThat(matcher.find()).as(counter).isTrue();
        return Double.parseDouble(matcher.group(2));
    }
}
