package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Searches keep being answered, whole, while a real build publishes manifest after manifest
 * (segments appearing, shards sealing and their segments deleted): zero failed queries, several
 * snapshots served, and each answer holds every vector of the manifest it names.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SearchDuringBuildTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 36;

    private static Path storage;
    private static ImageServer images;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void serveImages() throws IOException {
        images = new ImageServer();
        for (int i = 0; i < IMAGES; i++) {
            byte[] jpeg =
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 96),
                            0.85f);
            // Slow enough that the build spans many refreshes.
            images.put("/" + i + ".jpg", new ImageServer.Resource(200, "image/jpeg", jpeg, 150));
        }
    }

    @AfterAll
    static void stopImages() {
        images.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("search-during-build");
        storage = root.resolve("storage");
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            csv.append("item-")
                    .append(i)
                    .append(',')
                    .append(images.url("/" + i + ".jpg"))
                    .append('\n');
        }
        Path catalogue = Files.writeString(root.resolve("catalog.csv"), csv);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "3");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.shard.max-vectors", () -> "5");
        registry.add("fsb.search.refresh-interval", () -> "50ms");
    }

    @Test
    void noQueryFailsWhileABuildPublishes() throws Exception {
        String job = (String) json(post("/jobs", "{\"indexTypes\":[\"combined\"]}"), 202).get("id");
        Path manifest = storage.resolve("faiss/manifest.json");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Files.exists(manifest)) {
            assertThat(System.nanoTime()).as("first manifest").isLessThan(deadline);
            Thread.sleep(20);
        }
        AtomicBoolean building = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        Map<Instant, Integer> hitsByManifest = new ConcurrentHashMap<>();
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            running.add(
                    clients.submit(
                            () -> {
                                while (building.get()) {
                                    try {
                                        HttpResponse<String> response =
                                                post(
                                                        "/search",
                                                        "{\"query\":{\"id\":\"item-0\"},\"k\":1000,\"types\":[\"combined\"]}");
                                        if (response.statusCode() != 200) {
                                            failures.add(
                                                    response.statusCode() + " " + response.body());
                                            continue;
                                        }
                                        Map<String, Object> answer =
                                                JSON.readValue(response.body(), Map.class);
                                        Instant published =
                                                Instant.parse(
                                                        (String)
                                                                ((Map<String, Object>)
                                                                                answer.get(
                                                                                        "manifest"))
                                                                        .get("publishedAt"));
                                        int hits =
                                                ((List<?>)
                                                                ((Map<String, Object>)
                                                                                answer.get(
                                                                                        "results"))
                                                                        .get("combined"))
                                                        .size();
                                        Integer previous =
                                                hitsByManifest.putIfAbsent(published, hits);
                                        if (previous != null && previous != hits) {
                                            failures.add(
                                                    "two answers from one manifest differ: "
                                                            + previous
                                                            + " and "
                                                            + hits);
                                        }
                                        answered.incrementAndGet();
                                    } catch (Exception ex) {
                                        failures.add(ex.toString());
                                    }
                                }
                                return null;
                            }));
        }
        while (!List.of("SUCCEEDED", "FAILED", "CANCELLED")
                .contains(json(get("/jobs/" + job), 200).get("state"))) {
            assertThat(System.nanoTime()).as("build end").isLessThan(deadline);
            Thread.sleep(50);
        }
        Thread.sleep(500);
        building.set(false);
        for (Future<?> client : running) {
            client.get(1, TimeUnit.MINUTES);
        }
        clients.shutdown();

        assertThat(json(get("/jobs/" + job), 200).get("state")).isEqualTo("SUCCEEDED");
        assertThat(failures).as("failed queries").isEmpty();
        assertThat(answered.get()).isPositive();
        assertThat(hitsByManifest.size())
                .as("manifests served while the build ran")
                .isGreaterThan(2);
        // Newer manifests hold more vectors: no answer came from a half-loaded snapshot.
        List<Integer> ordered = new ArrayList<>(new TreeMap<>(hitsByManifest).values());
        for (int i = 1; i < ordered.size(); i++) {
            assertThat(ordered.get(i))
                    .as("hits by manifest order %s", ordered)
                    .isGreaterThanOrEqualTo(ordered.get(i - 1));
        }
        assertThat(ordered.get(ordered.size() - 1)).isEqualTo(IMAGES);
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
    private static Map<String, Object> json(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readValue(response.body(), Map.class);
    }
}
