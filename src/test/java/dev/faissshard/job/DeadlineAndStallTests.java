package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Jobs that cannot hang: an image host on loopback that stops answering holds a batch; the job
 * shows {@code stalled} (view, {@code jobs} health, {@code fsb_job_stalled}) after the (shortened)
 * stall timeout, and its deadline ends it as FAILED {@code deadline_exceeded}, keeping every batch
 * it committed. The next job resumes exactly (embeds only what is missing) and the index then holds
 * the same vectors as a build that never met the stalled host.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DeadlineAndStallTests {

    private static final int IMAGES = 24;
    private static final int BATCH = 4;

    /** Images of the fourth batch: the host holds them without answering. */
    private static final List<Integer> STALLED = List.of(13, 14);

    private static final Map<Integer, byte[]> JPEGS = new HashMap<>();
    private static ImageServer images;
    private static Path storage;

    @LocalServerPort int port;

    private JobsClient jobs;

    @BeforeEach
    void connect() {
        jobs = new JobsClient(port, Duration.ofSeconds(120));
    }

    @BeforeAll
    static void serveImages() throws IOException {
        images = new ImageServer();
        for (int i = 0; i < IMAGES; i++) {
            JPEGS.put(
                    i,
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 96),
                            0.85f));
            images.image("/" + i + ".jpg", JPEGS.get(i));
        }
    }

    @AfterAll
    static void stopImages() {
        images.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("deadline-stall");
        storage = root.resolve("storage");
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            csv.append(500 + i).append(',').append(images.url("/" + i + ".jpg")).append('\n');
        }
        Path catalogue = Files.writeString(root.resolve("catalog.csv"), csv);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> Integer.toString(BATCH));
        registry.add("fsb.job.stall-timeout", () -> "2s");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.fetch.retries", () -> "0");
        // Longer than the test: only the deadline can end the wait for the stalled host.
        registry.add("fsb.fetch.read-timeout", () -> "5m");
        registry.add("fsb.fetch.total-timeout", () -> "5m");
        registry.add("fsb.observability.job-gauges-refresh", () -> "100ms");
        registry.add("management.endpoint.health.show-details", () -> "always");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStalledHostIsShownStalledAndTheDeadlineEndsTheJobWhichTheNextJobResumesExactly()
            throws Exception {
        Map<String, Object> clean = jobs.awaitFinished(jobs.post("{\"prefix\":\"clean\"}"));
        assertThat(clean.get("state")).as("job %s", clean).isEqualTo("SUCCEEDED");

        for (int i : STALLED) {
            images.put(
                    "/" + i + ".jpg",
                    new ImageServer.Resource(200, "image/jpeg", JPEGS.get(i), 600_000));
        }
        String location = jobs.post("{\"prefix\":\"late\",\"deadline\":\"PT15S\"}");
        Map<String, Object> stalled = jobs.awaitView(location, view -> view.get("stalled") != null);
        String health = jobs.get("/actuator/health").body();
        String scrape = jobs.awaitGauge("fsb_job_stalled", JobsClient.id(location), 1.0);
        Map<String, Object> failed = jobs.awaitFinished(location);
        for (int i : STALLED) {
            images.image("/" + i + ".jpg", JPEGS.get(i));
        }

        assertThat(stalled.get("state")).isEqualTo("RUNNING");
        Map<String, Object> stall = (Map<String, Object>) stalled.get("stalled");
        assertThat(Instant.parse((String) stall.get("since")))
                .isEqualTo(Instant.parse((String) stall.get("lastProgressAt")).plusSeconds(2));
        assertThat(health).contains("\"stalled\":true");
        assertThat(scrape).isNotNull();
        assertThat(stalled.get("deadline")).isNotNull();
        assertThat(Instant.parse((String) stalled.get("deadline")))
                .isEqualTo(Instant.parse((String) stalled.get("startedAt")).plusSeconds(15));

        assertThat(failed.get("state")).as("job %s", failed).isEqualTo("FAILED");
        assertThat(failed.get("failureCode")).isEqualTo("deadline_exceeded");
        assertThat(String.valueOf(failed.get("lastError"))).contains("deadline");
        assertThat(failed.get("stalled")).as("a finished job is not stalled").isNull();
        // Everything committed before the stalled batch stays: three whole batches.
        StoredIndex.Contents committed = StoredIndex.read(storage.resolve("late"), "color");
        assertThat(committed.catalogIds())
                .doesNotHaveDuplicates()
                .hasSizeGreaterThanOrEqualTo(3 * BATCH)
                .doesNotContain(
                        STALLED.stream()
                                .map(i -> Integer.toString(500 + i))
                                .toArray(String[]::new));
        assertThat(StoredIndex.failures(storage.resolve("late")))
                .as("the abandoned batch records no failure")
                .isEmpty();

        Map<String, Object> next = jobs.awaitFinished(jobs.post("{\"prefix\":\"late\"}"));
        assertThat(next.get("state")).as("job %s", next).isEqualTo("SUCCEEDED");
        assertThat(((Map<String, Object>) next.get("counts")).get("embedded"))
                .as("the next job embeds only what the first did not commit")
                .isEqualTo(IMAGES - committed.catalogIds().size());
        for (String type : List.of("color", "structure", "combined")) {
            StoredIndex.Vectors expected = StoredIndex.vectors(storage.resolve("clean"), type);
            StoredIndex.Vectors actual = StoredIndex.vectors(storage.resolve("late"), type);
            assertThat(actual.catalogIds()).hasSize(IMAGES).doesNotHaveDuplicates();
            assertThat(actual.catalogIds())
                    .containsExactlyInAnyOrderElementsOf(expected.catalogIds());
            Map<String, float[]> byId = new HashMap<>();
            for (int i = 0; i < expected.catalogIds().size(); i++) {
                byId.put(expected.catalogIds().get(i), expected.row(i));
            }
            for (int i = 0; i < actual.catalogIds().size(); i++) {
                assertThat(actual.row(i))
                        .as("%s vector of %s", type, actual.catalogIds().get(i))
                        .containsExactly(byId.get(actual.catalogIds().get(i)));
            }
        }
    }

    @Test
    void aDeadlineOutsideItsBoundsIsRefused() throws Exception {
        for (String deadline : List.of("PT0.5S", "P31D", "\"soon\"")) {
            String body =
                    "{\"prefix\":\"refused\",\"deadline\":"
                            + (deadline.startsWith("\"") ? deadline : "\"" + deadline + "\"")
                            + "}";
            HttpResponse<String> response = jobs.submit(body);
            assertThat(response.statusCode())
                    .as("%s: %s", deadline, response.body())
                    .isEqualTo(400);
            assertThat(response.body()).doesNotContain("soon");
        }
    }
}
