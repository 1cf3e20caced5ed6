package dev.faissshard.failurereport;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /jobs/{id}/failures} after a real build of a catalogue with two good images, five
 * missing files and one URL outside the allowed folders: JSON lines and CSV, pages with a total and
 * a next link, a reason filter, and problems for bad parameters and unknown jobs.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class FailureReportTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static String jobId;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("failure-report");
        Path images = Path.of("samples/images").toAbsolutePath().toRealPath();
        List<Path> samples;
        try (var files = Files.list(images)) {
            samples =
                    files.filter(file -> file.toString().endsWith(".jpg"))
                            .sorted()
                            .limit(2)
                            .toList();
        }
        List<String> lines = new ArrayList<>(List.of("id,image_url"));
        lines.add("good-1," + samples.get(0).toUri());
        lines.add("good-2," + samples.get(1).toUri());
        for (int i = 1; i <= 5; i++) {
            lines.add("missing-" + i + "," + images.resolve("missing-" + i + ".jpg").toUri());
        }
        // A formula-looking id is data, not a spreadsheet formula.
        lines.add("=outside,file:///etc/hostname");
        Path catalogue = Files.write(root.resolve("catalog.csv"), lines);
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.fetch.files.roots", images::toString);
    }

    @Test
    void jsonLinesListEveryFailureWithItsReasonAndAttempts() throws Exception {
        HttpResponse<String> response = get("/jobs/" + build() + "/failures");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("application/x-ndjson");
        assertThat(response.headers().firstValue("X-Total-Count")).hasValue("6");
        List<Map<?, ?>> rows = new ArrayList<>();
        for (String line : response.body().lines().toList()) {
            rows.add(JSON.readValue(line, Map.class));
        }
        assertThat(rows.stream().map(row -> (String) row.get("id")).toList())
                .containsExactly(
                        "=outside",
                        "missing-1",
                        "missing-2",
                        "missing-3",
                        "missing-4",
                        "missing-5");
        assertThat(rows.get(0).get("reason")).isEqualTo("file_refused");
        assertThat(rows.subList(1, 6))
                .allSatisfy(
                        row -> {
                            assertThat(row.get("reason")).isEqualTo("not_found");
                            assertThat(row.get("attempts")).isEqualTo(1);
                            assertThat((String) row.get("url"))
                                    .startsWith("file:")
                                    .contains("missing-");
                            assertThat(row.get("lastSeen")).isNotNull();
                        });
    }

    @Test
    void csvIsQuotedAndDisarmsFormulas() throws Exception {
        HttpResponse<String> response = get("/jobs/" + build() + "/failures?format=csv&limit=2");
        assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("text/csv");
        List<String> lines = response.body().lines().toList();
        assertThat(lines.get(0)).isEqualTo("id,url,reason,detail,attempts,last_seen");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith("\"'=outside\",file:///etc/hostname,file_refused,");
        assertThat(lines.get(2)).startsWith("missing-1,file:").contains(",not_found,");
    }

    @Test
    void pagesCarryTheTotalAndALinkToTheNext() throws Exception {
        String id = build();
        HttpResponse<String> first = get("/jobs/" + id + "/failures?limit=4");
        assertThat(first.body().lines()).hasSize(4);
        String next = first.headers().firstValue("Link").orElseThrow();
        assertThat(next)
                .isEqualTo(
                        "</jobs/" + id + "/failures?format=jsonl&offset=4&limit=4>; rel=\"next\"");
        HttpResponse<String> second = get(next.substring(1, next.indexOf('>')));
        assertThat(second.body().lines()).hasSize(2);
        assertThat(second.body()).contains("missing-4", "missing-5").doesNotContain("missing-3");
        assertThat(second.headers().firstValue("Link")).isEmpty();
        assertThat(second.headers().firstValue("X-Total-Count")).hasValue("6");
    }

    @Test
    void aReasonFilterKeepsOnlyThatReason() throws Exception {
        HttpResponse<String> response = get("/jobs/" + build() + "/failures?reason=file_refused");
        assertThat(response.headers().firstValue("X-Total-Count")).hasValue("1");
        assertThat(response.body()).contains("=outside").doesNotContain("missing-");
    }

    @Test
    void badParametersAndUnknownJobsAreProblems() throws Exception {
        String id = build();
        for (String query :
                List.of("limit=0", "limit=10001", "offset=-1", "format=xml", "reason=nonsense")) {
            HttpResponse<String> response = get("/jobs/" + id + "/failures?" + query);
            assertThat(response.statusCode()).as(query).isEqualTo(400);
            assertThat(response.body())
                    .as(query)
                    .contains("invalid-request")
                    .doesNotContain("nonsense", "xml\"");
        }
        HttpResponse<String> unknown = get("/jobs/no-such-job/failures");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.body()).contains("job-not-found");
    }

    private synchronized String build() throws Exception {
        if (jobId != null) {
            return jobId;
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
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Map<?, ?> view = Map.of();
        while (!"SUCCEEDED".equals(view.get("state"))) {
            assertThat(System.nanoTime())
                    .as("job still running; last view " + view)
                    .isLessThan(deadline);
            assertThat(view.get("state")).as("job state").isNotIn("FAILED", "CANCELLED");
            Thread.sleep(50);
            view = JSON.readValue(get("/jobs/" + id).body(), Map.class);
        }
        jobId = id;
        return id;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
