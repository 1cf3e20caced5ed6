package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Pause and cancel of jobs that wait, cancel of a job stuck reading its catalogue, and shutdown,
 * over real HTTP with one run slot and one queue place. The job holding the slot reads a PostgREST
 * that has stopped answering ({@link StalledPostgrest}), so only a cancel or a shutdown can end it.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class QueuedJobLifecycleTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PROBLEMS = "https://faiss-shard-builder.dev/problems/";
    private static final String STALLED_JOB =
            "{\"catalog\":{\"type\":\"supabase\",\"location\":\"images\"},\"prefix\":\"%s\"}";
    private static final StalledPostgrest POSTGREST = start();
    private static final Duration GRACE = Duration.ofSeconds(60);

    @LocalServerPort int port;

    @Autowired JobRegistry jobs;

    @Autowired JobLauncher launcher;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @DynamicPropertySource
    static void oneSlotOnePlace(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("queued-jobs");
        Path catalog = Files.writeString(root.resolve("catalog.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalog::toString);
        registry.add("fsb.supabase.url", POSTGREST::url);
        registry.add("fsb.supabase.key", () -> "test-key");
        // Far longer than any wait below: only a cancel or a shutdown ends the stalled read.
        registry.add("fsb.supabase.read-timeout", () -> "10m");
        registry.add("fsb.supabase.retry.max-attempts", () -> "1");
        registry.add("fsb.job.max-running", () -> "1");
        registry.add("fsb.job.max-queued", () -> "1");
        registry.add("fsb.job.shutdown-grace", () -> GRACE.toSeconds() + "s");
    }

    @AfterAll
    static void stopPostgrest() {
        POSTGREST.close();
    }

    @AfterEach
    void cancelWhatIsLeft() throws Exception {
        for (Job job : jobs.list()) {
            if (!job.state().isFinished()) {
                post("/jobs/" + job.id() + "/cancel");
                awaitView("/jobs/" + job.id(), view -> "CANCELLED".equals(view.get("state")));
            }
        }
    }

    @Test
    void cancelOfAJobBlockedReadingItsCatalogueEndsItPromptlyAndFreesTheSlot() throws Exception {
        String blocked = blockTheSlot("stalled-cancel");
        HttpResponse<String> cancel = post(blocked + "/cancel");
        assertThat(cancel.statusCode()).isEqualTo(200);
        // The stalled read would hang for ten minutes; the cancel must not wait for it.
        Map<String, Object> view = awaitView(blocked, v -> "CANCELLED".equals(v.get("state")));
        assertThat(view.get("lastError")).isNull();
        String next = location(submit("{\"prefix\":\"after-stalled\"}", 202));
        awaitView(next, v -> "SUCCEEDED".equals(v.get("state")));
    }

    @Test
    void cancelAndPauseOfQueuedJobsTakeEffectAtOnceAndGiveTheirPlaceUp() throws Exception {
        String blocker = blockTheSlot("blocker");
        HttpResponse<String> second = submit("{\"prefix\":\"q2\"}", 202);
        assertThat(json(second).get("state")).isEqualTo("QUEUED");
        assertThat(type(submit("{\"prefix\":\"q3\"}", 503))).isEqualTo(PROBLEMS + "job-capacity");

        HttpResponse<String> cancelled = post(location(second) + "/cancel");
        assertThat(cancelled.statusCode()).isEqualTo(200);
        assertThat(json(cancelled).get("state")).as("at once").isEqualTo("CANCELLED");
        assertThat(json(cancelled).get("finishedAt")).isNotNull();
        assertThat(post(location(second) + "/cancel").statusCode())
                .as("a second cancel")
                .isEqualTo(409);

        String third = location(submit("{\"prefix\":\"q3\"}", 202));
        HttpResponse<String> paused = post(third + "/pause");
        assertThat(paused.statusCode()).isEqualTo(200);
        assertThat(json(paused).get("state")).as("at once").isEqualTo("PAUSED");
        assertThat(json(paused).get("startedAt")).isNull();

        String fourth = location(submit("{\"prefix\":\"q4\"}", 202));
        HttpResponse<String> noRoom = post(third + "/resume");
        assertThat(noRoom.statusCode()).as("the queue is full again").isEqualTo(503);
        assertThat(type(noRoom)).isEqualTo(PROBLEMS + "job-capacity");
        assertThat(json(get(third)).get("state")).isEqualTo("PAUSED");

        assertThat(json(post(fourth + "/cancel")).get("state")).isEqualTo("CANCELLED");
        assertThat(json(post(third + "/resume")).get("state")).isEqualTo("QUEUED");

        // Once the slot is free the resumed job runs; the cancelled one's index location is free
        // too.
        assertThat(post(blocker + "/cancel").statusCode()).isEqualTo(200);
        awaitView(third, v -> "SUCCEEDED".equals(v.get("state")));
        String again = location(submit("{\"prefix\":\"q2\"}", 202));
        awaitView(again, v -> "SUCCEEDED".equals(v.get("state")));
    }

    @Test
    void cancelOfAPausedQueuedJobEndsIt() throws Exception {
        blockTheSlot("blocker-2");
        String queued = location(submit("{\"prefix\":\"paused-then-cancelled\"}", 202));
        assertThat(json(post(queued + "/pause")).get("state")).isEqualTo("PAUSED");
        assertThat(json(post(queued + "/cancel")).get("state")).isEqualTo("CANCELLED");
        assertThat(json(submit("{\"prefix\":\"paused-then-cancelled\"}", 202)).get("state"))
                .isEqualTo("QUEUED");
    }

    @Test
    @DirtiesContext
    void stopEndsWaitingAndStalledJobsWithinTheGraceAndRefusesNewJobs() throws Exception {
        String blocked = blockTheSlot("stalled-stop");
        String queued = location(submit("{\"prefix\":\"queued-at-stop\"}", 202));
        long start = System.nanoTime();
        launcher.stop();
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        // The stalled read would last ten minutes: stop must not have waited for the grace to run
        // out.
        assertThat(took).isLessThan(GRACE.dividedBy(2));
        Map<String, Object> stopped = json(get(blocked));
        assertThat(stopped.get("state")).isEqualTo("CANCELLED");
        assertThat(stopped.get("lastError").toString()).contains("shutdown");
        Map<String, Object> neverStarted = json(get(queued));
        assertThat(neverStarted.get("state")).isEqualTo("CANCELLED");
        assertThat(neverStarted.get("lastError").toString()).contains("before it started");

        HttpResponse<String> refused = submit("{\"prefix\":\"after-stop\"}", 503);
        assertThat(type(refused)).isEqualTo(PROBLEMS + "service-stopping");
        assertThat(refused.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("application/problem+json");
        assertThat(jobs.list())
                .extracting(Job::state)
                .doesNotContain(JobState.QUEUED, JobState.RUNNING, JobState.PAUSED);
    }

    /** Starts a job that reads the stalled PostgREST and waits until it hangs there. */
    private String blockTheSlot(String prefix) throws Exception {
        int before = POSTGREST.stalledReads();
        String location = location(submit(STALLED_JOB.formatted(prefix), 202));
        awaitView(
                location,
                view -> "RUNNING".equals(view.get("state")) && POSTGREST.stalledReads() > before);
        return location;
    }

    private HttpResponse<String> submit(String body, int expectedStatus) throws Exception {
        HttpResponse<String> response =
                http.send(
                        request("/jobs")
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(expectedStatus);
        return response;
    }

    private HttpResponse<String> post(String path) throws Exception {
        return http.send(
                request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60));
    }

    private Map<String, Object> awaitView(String location, Predicate<Map<String, Object>> condition)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, Object> view = Map.of();
        while (System.nanoTime() < deadline) {
            view = json(get(location));
            if (condition.test(view)) {
                return view;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("condition not reached within 60 s; last view " + view);
    }

    private static String location(HttpResponse<String> response) {
        return response.headers().firstValue("Location").orElseThrow();
    }

    private static String type(HttpResponse<String> response) {
        return String.valueOf(json(response).get("type"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> response) {
        return JSON.readValue(response.body(), Map.class);
    }

    private static StalledPostgrest start() {
        try {
            return new StalledPostgrest();
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
