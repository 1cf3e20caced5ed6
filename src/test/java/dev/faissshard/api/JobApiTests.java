package dev.faissshard.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/** The REST control API over real HTTP, with real storage, models, FAISS and an image server. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class JobApiTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Path root;
    private static Path storage;
    private static ImageServer images;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void serveImages() throws IOException {
        images = new ImageServer();
        for (int i = 0; i < 40; i++) {
            byte[] jpeg =
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 128),
                            0.85f);
            images.image("/fast/" + i + ".jpg", jpeg);
            images.put(
                    "/slow/" + i + ".jpg", new ImageServer.Resource(200, "image/jpeg", jpeg, 150));
        }
    }

    @AfterAll
    static void stopImages() {
        images.close();
    }

    @DynamicPropertySource
    static void storage(DynamicPropertyRegistry registry) throws IOException {
        root = Files.createTempDirectory("job-api");
        storage = root.resolve("storage");
        Path defaultCatalog = catalogue("default.csv", "fast", 12, 1);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", defaultCatalog::toString);
        registry.add("fsb.job.batch-size", () -> "4");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
    }

    @Test
    void emptyBodyBuildsAllThreeIndexesOfTheConfiguredCatalogue() throws Exception {
        HttpResponse<String> response = post("/jobs", "{}");
        assertThat(response.statusCode()).isEqualTo(202);
        String location = response.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("/jobs/");

        Map<String, Object> view = awaitState(location, "SUCCEEDED");
        assertThat(counts(view)).containsEntry("embedded", 12).containsEntry("failed", 0);
        for (String type : List.of("color", "structure", "combined")) {
            // Twelve vectors fill no shard: the finished job keeps them open, as segments the
            // manifest names, for the next job to fill further.
            StoredIndex.Contents contents = StoredIndex.read(storage, type);
            assertThat(storage.resolve("faiss/" + type + "_shard_001.faiss")).doesNotExist();
            assertThat(contents.segments()).isPositive();
            assertThat(contents.catalogIds()).hasSize(12);
        }
        assertThat(storage.resolve("progress.json")).exists();
        assertThat(get("/jobs").body()).contains(location.substring("/jobs/".length()));
    }

    @Test
    void requestMayOverrideCatalogueTypesPrefixAndLimit() throws Exception {
        Path catalogue = catalogue("override.csv", "fast", 10, 100);
        String body =
                """
                {"indexTypes":["color"],"catalog":{"location":"%s"},"prefix":"override/a","batchSize":3,"limit":7}
                """
                        .formatted(catalogue);
        Map<String, Object> view =
                awaitState(
                        post("/jobs", body).headers().firstValue("Location").orElseThrow(),
                        "SUCCEEDED");
        assertThat(counts(view)).containsEntry("embedded", 7);
        Path index = storage.resolve("override/a");
        assertThat(StoredIndex.read(index, "color").catalogIds()).hasSize(7);
        assertThat(index.resolve("faiss/structure_shard_001.faiss")).doesNotExist();
        assertThat(index.resolve("progress.json")).exists();
    }

    @Test
    void invalidFieldsAreProblemDetailsNamingTheField() throws Exception {
        HttpResponse<String> response = post("/jobs", "{\"batchSize\":0}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("application/problem+json");
        Map<String, Object> problem = json(response);
        assertThat(problem.get("status")).isEqualTo(400);
        assertThat(problem.get("errors").toString()).contains("batchSize");

        Map<String, Object> badType = json(post("/jobs", "{\"indexTypes\":[\"colour\"]}"));
        assertThat(badType.get("status")).isEqualTo(400);
        assertThat(badType.get("detail").toString())
                .contains("indexTypes")
                .contains("color, structure, combined")
                .doesNotContain("colour");

        Map<String, Object> badPrefix = json(post("/jobs", "{\"prefix\":\"../up\"}"));
        assertThat(badPrefix.get("errors").toString()).contains("prefix");

        Map<String, Object> missingCatalogue =
                json(post("/jobs", "{\"catalog\":{\"location\":\"/nope/x.csv\"}}"));
        assertThat(missingCatalogue.get("status")).isEqualTo(400);
        assertThat(missingCatalogue.get("errors").toString()).contains("catalog.location");
    }

    @Test
    void unknownJobIsNotFound() throws Exception {
        HttpResponse<String> response = get("/jobs/does-not-exist");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("detail")).isEqualTo("No job with this id");
        assertThat(response.body())
                .as("the path id is not echoed")
                .doesNotContain("does-not-exist");
        assertThat(post("/jobs/does-not-exist/pause", "").statusCode()).isEqualTo(404);
    }

    @Test
    void pausingAFinishedJobIsAConflict() throws Exception {
        Path catalogue = catalogue("finished.csv", "fast", 3, 200);
        String location =
                post(
                                "/jobs",
                                "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"finished\"}"
                                        .formatted(catalogue))
                        .headers()
                        .firstValue("Location")
                        .orElseThrow();
        awaitState(location, "SUCCEEDED");
        HttpResponse<String> response = post(location + "/pause", "");
        assertThat(response.statusCode()).isEqualTo(409);
        assertThat(json(response).get("state")).isEqualTo("SUCCEEDED");
    }

    @Test
    void pauseResumeAndCancelSteerARunningJobAndASecondJobOnTheSameIndexIsRefused()
            throws Exception {
        Path catalogue = catalogue("slow.csv", "slow", 40, 300);
        String body =
                "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"steered\",\"batchSize\":2}"
                        .formatted(catalogue);
        String location = post("/jobs", body).headers().firstValue("Location").orElseThrow();
        awaitView(location, view -> "RUNNING".equals(view.get("state")));

        HttpResponse<String> second = post("/jobs", body);
        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(json(second).get("runningJobId"))
                .isEqualTo(location.substring("/jobs/".length()));

        assertThat(post(location + "/pause", "").statusCode()).isEqualTo(200);
        Map<String, Object> paused = awaitState(location, "PAUSED");
        long seen = ((Number) counts(paused).get("seen")).longValue();
        Thread.sleep(700);
        // At most the batches being prepared when the pause arrived (two are fetched ahead, of 2
        // images each) are read after the pause.
        assertThat(((Number) counts(json(get(location))).get("seen")).longValue())
                .isLessThanOrEqualTo(seen + 2 * 2);

        assertThat(post(location + "/resume", "").statusCode()).isEqualTo(200);
        awaitState(location, "RUNNING");
        assertThat(post(location + "/cancel", "").statusCode()).isEqualTo(200);
        Map<String, Object> cancelled = awaitState(location, "CANCELLED");
        assertThat(((Number) counts(cancelled).get("embedded")).longValue()).isLessThan(40);
        assertThat(post(location + "/resume", "").statusCode()).isEqualTo(409);

        // The location is free again, and a new job continues where the cancelled one stopped.
        String next =
                post("/jobs", body.replace("\"batchSize\":2", "\"batchSize\":20"))
                        .headers()
                        .firstValue("Location")
                        .orElseThrow();
        Map<String, Object> done = awaitState(next, "SUCCEEDED");
        assertThat(((Number) counts(done).get("skipped")).longValue()).isPositive();
        assertThat(StoredIndex.read(storage.resolve("steered"), "color").catalogIds())
                .hasSize(40)
                .doesNotHaveDuplicates();
    }

    @Test
    void nextJobPicksUpRowsAddedAfterAFinishedBuild() throws Exception {
        Path catalogue = catalogue("incremental.csv", "fast", 8, 400);
        String body =
                "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"incremental\"}"
                        .formatted(catalogue);
        awaitState(post("/jobs", body).headers().firstValue("Location").orElseThrow(), "SUCCEEDED");
        // A new row whose id sorts before every existing one.
        Files.writeString(
                catalogue,
                "7," + images.url("/fast/30.jpg") + "\n",
                java.nio.file.StandardOpenOption.APPEND);
        Map<String, Object> view =
                awaitState(
                        post("/jobs", body).headers().firstValue("Location").orElseThrow(),
                        "SUCCEEDED");
        assertThat(counts(view)).containsEntry("embedded", 1).containsEntry("skipped", 8);
        StoredIndex.Contents color = StoredIndex.read(storage.resolve("incremental"), "color");
        assertThat(color.catalogIds()).hasSize(9).contains("7").doesNotHaveDuplicates();
        assertThat(color.shards())
                .as("no tiny sealed shard per job: the second job filled the first one's tail")
                .isZero();
    }

    @Test
    void jobOnAnIndexBuiltByAnotherModelIsRefused() throws Exception {
        Path catalogue = catalogue("model.csv", "fast", 2, 500);
        String body =
                "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"other-model\"}"
                        .formatted(catalogue);
        awaitState(post("/jobs", body).headers().firstValue("Location").orElseThrow(), "SUCCEEDED");
        Path progress = storage.resolve("other-model/progress.json");
        Map<String, Object> stored = JSON.readValue(progress.toFile(), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> color =
                (Map<String, Object>) ((Map<String, Object>) stored.get("indexes")).get("color");
        @SuppressWarnings("unchecked")
        Map<String, Object> model = (Map<String, Object>) color.get("model");
        model.put("id", "someone-elses-model");
        model.put("dimension", 768);
        Files.write(progress, JSON.writeValueAsBytes(stored));

        HttpResponse<String> response = post("/jobs", body);
        assertThat(response.statusCode()).isEqualTo(409);
        Map<String, Object> problem = json(response);
        assertThat(problem.get("type").toString()).endsWith("/index-incompatible");
        assertThat(problem.get("detail").toString())
                .contains("someone-elses-model")
                .contains("768");
    }

    @Test
    void partitionedWorkersTogetherBuildEveryIdOnceEachUnderItsOwnPrefix() throws Exception {
        Path catalogue = catalogue("partitioned.csv", "fast", 30, 700);
        List<String> locations = new java.util.ArrayList<>();
        for (int index = 0; index < 3; index++) {
            String body =
                    "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"split\",\"partition\":{\"index\":%d,\"count\":3}}"
                            .formatted(catalogue, index);
            HttpResponse<String> response = post("/jobs", body);
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            locations.add(response.headers().firstValue("Location").orElseThrow());
        }
        java.util.Set<String> all = new java.util.HashSet<>();
        long embedded = 0;
        for (int index = 0; index < 3; index++) {
            Map<String, Object> view = awaitState(locations.get(index), "SUCCEEDED");
            assertThat(view.get("prefix")).isEqualTo("split/part-" + index + "-of-3");
            embedded += ((Number) counts(view).get("embedded")).longValue();
            List<String> ids =
                    StoredIndex.read(storage.resolve("split/part-" + index + "-of-3"), "combined")
                            .catalogIds();
            assertThat(ids).as("partition %d", index).isNotEmpty().doesNotHaveDuplicates();
            for (String id : ids) {
                assertThat(all.add(id)).as("id %s in one partition only", id).isTrue();
            }
        }
        assertThat(embedded).isEqualTo(30);
        assertThat(all).hasSize(30);

        Map<String, Object> outOfRange =
                json(post("/jobs", "{\"partition\":{\"index\":3,\"count\":3}}"));
        assertThat(outOfRange.get("status")).isEqualTo(400);
        assertThat(outOfRange.get("detail").toString())
                .contains("partition")
                .contains("between 0 and 2");
    }

    @Test
    void actuatorReportsHealthJobsAndMetrics() throws Exception {
        Path catalogue = catalogue("metrics.csv", "fast", 2, 600);
        awaitState(
                post(
                                "/jobs",
                                "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"metrics\"}"
                                        .formatted(catalogue))
                        .headers()
                        .firstValue("Location")
                        .orElseThrow(),
                "SUCCEEDED");
        String health = get("/actuator/health").body();
        assertThat(health).contains("\"faiss\"").contains("\"models\"").contains("\"storage\"");
        assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
        assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        assertThat(get("/actuator/jobs").body()).contains("SUCCEEDED");
        String prometheus = get("/actuator/prometheus").body();
        assertThat(prometheus)
                .contains("fsb_images_embedded_total")
                .contains("fsb_batch_duration_seconds")
                .contains("fsb_storage_uploaded_bytes_total")
                .contains("fsb_shards_sealed_total");
    }

    private static Path catalogue(String name, String kind, int count, int firstId)
            throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < count; i++) {
            csv.append(firstId + i)
                    .append(',')
                    .append(images.url("/" + kind + "/" + i + ".jpg"))
                    .append('\n');
        }
        Path file = root.resolve(name);
        Files.writeString(file, csv);
        return file;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> counts(Map<String, Object> view) {
        return (Map<String, Object>) view.get("counts");
    }

    private Map<String, Object> awaitState(String location, String state) throws Exception {
        return awaitView(location, view -> state.equals(view.get("state")));
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
        throw new AssertionError("condition not reached; last view " + view);
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

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> response) {
        return JSON.readValue(response.body(), Map.class);
    }
}
