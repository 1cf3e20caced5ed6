package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.FaissShardBuilderApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job finished by one run of the service is still listed by the next one on the same storage,
 * read from the index's stored history: with its outcome and figures, marked {@code fromHistory},
 * its failure report still served, and steering it a conflict.
 */
class JobHistoryAcrossRestartsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aFinishedJobIsListedAfterARestartFromItsIndexHistory() throws Exception {
        Path images = Path.of("samples/images").toAbsolutePath().toRealPath();
        List<Path> samples;
        try (var files = Files.list(images)) {
            samples = files.filter(f -> f.toString().endsWith(".jpg")).sorted().limit(2).toList();
        }
        Path catalogue =
                Files.write(
                        dir.resolve("catalog.csv"),
                        List.of(
                                "id,image_url",
                                "a," + samples.get(0).toUri(),
                                "b," + samples.get(1).toUri(),
                                "gone," + images.resolve("gone.jpg").toUri()));
        String[] arguments = {
            "--server.port=0",
            "--server.address=127.0.0.1",
            "--fsb.storage.local.root=" + dir.resolve("storage"),
            "--fsb.catalog.location=" + catalogue,
            "--fsb.fetch.files.roots=" + images,
            "--fsb.job.prefix=shop"
        };

        String id;
        Map<?, ?> finished;
        try (ConfigurableApplicationContext first = start(arguments)) {
            String base = base(first);
            HttpResponse<String> created = send(base, "POST", "/jobs", "{}");
            assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
            id = (String) JSON.readValue(created.body(), Map.class).get("id");
            finished = awaitFinished(base, id);
            assertThat(finished.get("fromHistory")).as("a job of this process").isNull();
        }
        assertThat(dir.resolve("storage/shop/faiss/job-history.json")).isRegularFile();

        try (ConfigurableApplicationContext second = start(arguments)) {
            String base = base(second);
            List<?> listed = JSON.readValue(send(base, "GET", "/jobs", null).body(), List.class);
            assertThat(listed).hasSize(1);
            Map<?, ?> listedJob = (Map<?, ?>) listed.get(0);
            assertThat(listedJob.get("id")).isEqualTo(id);
            assertThat(listedJob.get("fromHistory")).isEqualTo(true);
            assertThat(listedJob.get("state")).isEqualTo("SUCCEEDED");
            Map<?, ?> counts = (Map<?, ?>) listedJob.get("counts");
            assertThat(counts.get("embedded")).isEqualTo(2);
            assertThat(counts.get("failed")).isEqualTo(1);
            assertThat(counts.get("failedByReason")).isEqualTo(Map.of("not_found", 1));
            assertThat(listedJob.get("finishedAt")).isEqualTo(finished.get("finishedAt"));
            assertThat(listedJob.get("indexes")).isEqualTo(finished.get("indexes"));

            Map<?, ?> one =
                    JSON.readValue(send(base, "GET", "/jobs/" + id, null).body(), Map.class);
            assertThat(one).isEqualTo(listedJob);

            // Actuator's jobs endpoint lists it too, from the history.
            List<?> actuator =
                    JSON.readValue(send(base, "GET", "/actuator/jobs", null).body(), List.class);
            assertThat(actuator).isEqualTo(List.of(listedJob));
            assertThat(
                            JSON.readValue(
                                    send(base, "GET", "/actuator/jobs/" + id, null).body(),
                                    Map.class))
                    .isEqualTo(listedJob);

            for (String action : List.of("pause", "resume", "cancel")) {
                HttpResponse<String> steered =
                        send(base, "POST", "/jobs/" + id + "/" + action, null);
                assertThat(steered.statusCode()).as(action).isEqualTo(409);
                assertThat(steered.body()).contains("job-state-conflict", "SUCCEEDED");
            }
            HttpResponse<String> report = send(base, "GET", "/jobs/" + id + "/failures", null);
            assertThat(report.statusCode()).isEqualTo(200);
            assertThat(report.body()).contains("\"id\":\"gone\"", "not_found");
            assertThat(send(base, "GET", "/jobs/no-such-job", null).statusCode()).isEqualTo(404);
        }
    }

    private static ConfigurableApplicationContext start(String[] arguments) {
        return new SpringApplicationBuilder(FaissShardBuilderApplication.class).run(arguments);
    }

    private static String base(ConfigurableApplicationContext context) {
        return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
    }

    private Map<?, ?> awaitFinished(String base, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Map<?, ?> view = Map.of();
        while (!"SUCCEEDED".equals(view.get("state"))) {
            assertThat(System.nanoTime()).as("job still running: " + view).isLessThan(deadline);
            assertThat(view.get("state")).isNotIn("FAILED", "CANCELLED");
            Thread.sleep(50);
            view = JSON.readValue(send(base, "GET", "/jobs/" + id, null).body(), Map.class);
        }
        return view;
    }

    private HttpResponse<String> send(String base, String method, String path, String body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        request.method(
                method,
                body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
