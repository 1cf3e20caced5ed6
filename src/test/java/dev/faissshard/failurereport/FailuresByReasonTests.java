package dev.faissshard.failurereport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * A catalogue whose images fail for three permanent reasons ({@code not_found}, {@code
 * not_an_image}, {@code file_refused}): {@code retryReasons} retries only the images of the reasons
 * it names, refuses an unknown code without repeating it, and the per-index failure report {@code
 * GET /failures} reads the same records from storage, across the partitions of a split build.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailuresByReasonTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Path images;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("failures-by-reason");
        images = Files.createDirectories(root.resolve("images"));
        Path sample;
        try (var files = Files.list(Path.of("samples/images"))) {
            sample = files.filter(f -> f.toString().endsWith(".jpg")).sorted().findFirst().get();
        }
        Files.copy(sample, images.resolve("good.jpg"));
        Files.writeString(images.resolve("notes.jpg"), "this is text, not a picture\n");
        Path catalogue =
                Files.write(
                        root.resolve("catalog.csv"),
                        List.of(
                                "id,image_url",
                                "good," + images.resolve("good.jpg").toUri(),
                                "missing-1," + images.resolve("missing-1.jpg").toUri(),
                                "missing-2," + images.resolve("missing-2.jpg").toUri(),
                                "notes," + images.resolve("notes.jpg").toUri(),
                                "outside,file:///etc/hostname"));
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.fetch.files.roots", images::toString);
        registry.add("fsb.job.prefix", () -> "shop");
    }

    @Test
    @Order(1)
    void retryReasonsRetriesOnlyTheImagesOfThoseReasons() throws Exception {
        Map<?, ?> first = counts(run("{\"indexTypes\":[\"color\"]}"));
        assertThat(first.get("embedded")).isEqualTo(1);
        assertThat(first.get("failedByReason"))
                .isEqualTo(Map.of("not_found", 2, "not_an_image", 1, "file_refused", 1));

        // One missing image appears; a plain job would not look at it again (not_found is
        // permanent).
        Files.copy(images.resolve("good.jpg"), images.resolve("missing-1.jpg"));
        Map<?, ?> plain = counts(run("{\"indexTypes\":[\"color\"]}"));
        assertThat(plain.get("embedded")).isEqualTo(0);
        assertThat(plain.get("skipped")).isEqualTo(5);

        Map<?, ?> retried =
                counts(run("{\"indexTypes\":[\"color\"],\"retryReasons\":[\"not_found\"]}"));
        assertThat(retried.get("embedded")).as("missing-1, now there").isEqualTo(1);
        assertThat(retried.get("failedByReason")).isEqualTo(Map.of("not_found", 1));
        assertThat(retried.get("skipped")).as("good, notes and outside").isEqualTo(3);

        Map<String, Map<?, ?>> rows = rows(get("/jobs/" + lastJob + "/failures").body());
        assertThat(rows.keySet()).containsExactly("missing-2", "notes", "outside");
        assertThat(rows.get("missing-2").get("attempts")).isEqualTo(2);
        assertThat(rows.get("notes").get("attempts")).isEqualTo(1);
        assertThat(rows.get("outside").get("attempts")).isEqualTo(1);
    }

    @Test
    @Order(2)
    void unknownOrEmptyRetryReasonsAreProblemsThatDoNotEchoTheValue() throws Exception {
        HttpResponse<String> unknown =
                post("/jobs", "{\"retryReasons\":[\"timeout\",\"made_up_reason\"]}");
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body())
                .contains("invalid-request", "retryReasons[1]", "not_found")
                .doesNotContain("made_up_reason");
        HttpResponse<String> empty = post("/jobs", "{\"retryReasons\":[]}");
        assertThat(empty.statusCode()).isEqualTo(400);
        assertThat(empty.body()).contains("retryReasons");
    }

    @Test
    @Order(3)
    void theIndexReportReadsTheStoredFailuresOfAnIndex() throws Exception {
        HttpResponse<String> report = get("/failures?prefix=shop&format=csv");
        assertThat(report.statusCode()).isEqualTo(200);
        assertThat(report.headers().firstValue("X-Total-Count")).hasValue("3");
        assertThat(report.body().lines().toList())
                .hasSize(4)
                .first()
                .isEqualTo("id,url,reason,detail,attempts,last_seen");
        assertThat(get("/failures").body())
                .as("the configured prefix by default")
                .isEqualTo(get("/jobs/" + lastJob + "/failures").body());

        HttpResponse<String> paged =
                get("/failures?prefix=shop&limit=1&reason=not_found,file_refused");
        assertThat(paged.headers().firstValue("X-Total-Count")).hasValue("2");
        assertThat(paged.headers().firstValue("Link"))
                .hasValue(
                        "</failures?prefix=shop&format=jsonl&offset=1&limit=1"
                                + "&reason=file_refused&reason=not_found>; rel=\"next\"");

        HttpResponse<String> none = get("/failures?prefix=nowhere");
        assertThat(none.statusCode()).isEqualTo(404);
        assertThat(none.body()).contains("index-not-found");
        HttpResponse<String> bad = get("/failures?prefix=a/faiss/b");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("invalid-request").doesNotContain("a/faiss/b");
    }

    @Test
    @Order(4)
    void theIndexReportOfASplitBuildListsEveryPartition() throws Exception {
        for (int index = 0; index < 2; index++) {
            run(
                    "{\"indexTypes\":[\"color\"],\"prefix\":\"split\",\"partition\":{\"index\":"
                            + index
                            + ",\"count\":2}}");
        }
        Map<String, Map<?, ?>> rows = rows(get("/failures?prefix=split").body());
        assertThat(rows.keySet()).containsExactly("missing-2", "notes", "outside");
    }

    private static String lastJob;

    private Map<?, ?> run(String body) throws Exception {
        HttpResponse<String> created = post("/jobs", body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String id = (String) JSON.readValue(created.body(), Map.class).get("id");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Map<?, ?> view = Map.of();
        while (!"SUCCEEDED".equals(view.get("state"))) {
            assertThat(System.nanoTime()).as("job still running: " + view).isLessThan(deadline);
            assertThat(view.get("state")).isNotIn("FAILED", "CANCELLED");
            Thread.sleep(50);
            view = JSON.readValue(get("/jobs/" + id).body(), Map.class);
        }
        lastJob = id;
        return view;
    }

    private static Map<?, ?> counts(Map<?, ?> view) {
        return (Map<?, ?>) view.get("counts");
    }

    private static Map<String, Map<?, ?>> rows(String jsonLines) {
        Map<String, Map<?, ?>> rows = new LinkedHashMap<>();
        for (String line : jsonLines.lines().toList()) {
            Map<?, ?> row = JSON.readValue(line, Map.class);
            rows.put((String) row.get("id"), row);
        }
        return rows;
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
