package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service's job API on loopback, as the whole-service job tests drive it: submit a job, then
 * read its view until a condition holds, within a bounded patience (generous: the machine may be
 * loaded, and a test that waits for an event must not depend on its timing).
 */
final class JobsClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> FINISHED = List.of("SUCCEEDED", "FAILED", "CANCELLED");

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final Duration patience;

    JobsClient(int port, Duration patience) {
        this.port = port;
        this.patience = patience;
    }

    /** {@code POST /jobs} with {@code body}, whatever the answer. */
    HttpResponse<String> submit(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri("/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Submits a job that must be accepted (202), and returns its location. */
    String post(String body) throws Exception {
        HttpResponse<String> response = submit(body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> view(String location) throws Exception {
        return JSON.readValue(get(location).body(), Map.class);
    }

    Map<String, Object> awaitFinished(String location) throws Exception {
        return awaitView(location, view -> FINISHED.contains(view.get("state")));
    }

    Map<String, Object> awaitView(String location, Predicate<Map<String, Object>> condition)
            throws Exception {
        long deadline = System.nanoTime() + patience.toNanos();
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

    /** The Prometheus scrape once the job's {@code gauge} shows {@code expected}. */
    String awaitGauge(String gauge, String jobId, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Pattern row =
                Pattern.compile(
                        "^"
                                + gauge
                                + "\\{[^}]*job_id=\""
                                + Pattern.quote(jobId)
                                + "\"[^}]*} (\\S+)$",
                        Pattern.MULTILINE);
        while (System.nanoTime() < deadline) {
            String scraped = get("/actuator/prometheus").body();
            Matcher matcher = row.matcher(scraped);
            if (matcher.find() && Double.parseDouble(matcher.group(1)) == expected) {
                return scraped;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(gauge + " of " + jobId + " never " + expected);
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The job id at the end of a job's location. */
    static String id(String location) {
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
