package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Incremental jobs, deletes and a compaction through the HTTP API, with real FAISS shards in local
 * storage: a job that adds a few rows leaves no tiny sealed shard (its tail stays open and the next
 * job fills it), a deleted id is never returned by search, and a compaction leaves about {@code
 * vectors / capacity} shards holding every live vector exactly once.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IncrementalJobsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 30;
    private static final int CAPACITY = 10;
    private static final List<String> TYPES = List.of("color", "structure", "combined");

    private static Path root;
    private static Path storage;
    private static Path catalogue;
    private static ImageServer images;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void serveImages() throws IOException {
        images = new ImageServer();
        for (int i = 0; i < IMAGES; i++) {
            images.image(
                    "/" + i + ".jpg",
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 96),
                            0.85f));
        }
    }

    @AfterAll
    static void stopImages() {
        images.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        root = Files.createTempDirectory("incremental");
        storage = root.resolve("storage");
        catalogue = root.resolve("catalog.csv");
        writeCatalogue(0);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "4");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.shard.max-vectors", () -> String.valueOf(CAPACITY));
        registry.add("fsb.search.refresh-interval", () -> "200ms");
        // 10,000 ids of a delete are more than the default 64 KB body.
        registry.add("fsb.api.max-request-body", () -> "1MB");
    }

    @Test
    void incrementalJobsDeletesAndACompactionKeepTheShardCountNearVectorsOverCapacity()
            throws Exception {
        writeCatalogue(6);
        runJob("{}");
        for (String type : TYPES) {
            StoredIndex.Contents contents = StoredIndex.read(storage, type);
            assertThat(contents.shards()).as("sealed %s shards after 6 rows", type).isZero();
            assertThat(contents.segments()).as("the open tail is in the manifest").isPositive();
            assertThat(contents.catalogIds()).containsExactlyInAnyOrderElementsOf(ids(6));
        }
        assertThat(StoredIndex.manifest(storage).get("complete"))
                .as("a job that read its whole catalogue publishes a complete index, tail open")
                .isEqualTo(true);

        // Five incremental jobs of three rows each: sealed shards only as they fill.
        for (int rows = 9; rows <= 21; rows += 3) {
            writeCatalogue(rows);
            runJob("{}");
            for (String type : TYPES) {
                StoredIndex.Contents contents = StoredIndex.read(storage, type);
                assertThat(contents.shards())
                        .as("%s shards after %d rows", type, rows)
                        .isEqualTo(rows / CAPACITY);
                assertThat(contents.catalogIds())
                        .as("every row once")
                        .containsExactlyInAnyOrderElementsOf(ids(rows));
            }
        }

        // Delete two ids, one in a sealed shard and one in the open tail.
        String sealedId = id(2);
        String openId = id(20);
        runJob(
                "{\"operation\":\"delete\",\"deleteIds\":[\""
                        + sealedId
                        + "\",\""
                        + openId
                        + "\",\"not-in-the-index\"]}");
        Set<String> live = new HashSet<>(ids(21));
        live.removeAll(Set.of(sealedId, openId));
        Map<String, Object> manifest = StoredIndex.manifest(storage);
        assertThat((List<?>) manifest.getOrDefault("tombstones", List.of()))
                .hasSize(2 * TYPES.size());
        for (String type : TYPES) {
            assertThat(liveIds(type)).containsExactlyInAnyOrderElementsOf(live);
        }
        awaitSearchServes(manifest);
        assertSearchSkips(Set.of(sealedId, openId), 19);
        assertThat(post("/search", "{\"query\":{\"id\":\"" + sealedId + "\"}}").statusCode())
                .as("a search by a deleted id")
                .isEqualTo(404);

        // A compaction: every vector of small shards and the tail rewritten, tombstones applied.
        runJob("{\"operation\":\"compact\"}");
        manifest = StoredIndex.manifest(storage);
        assertThat((List<?>) manifest.getOrDefault("tombstones", List.of())).isEmpty();
        assertThat((List<?>) manifest.get("openSegments")).isEmpty();
        assertThat(manifest.get("complete")).isEqualTo(true);
        for (String type : TYPES) {
            StoredIndex.Contents contents = StoredIndex.read(storage, type);
            assertThat(contents.shards())
                    .as("%s shards for %d live vectors", type, live.size())
                    .isEqualTo((live.size() + CAPACITY - 1) / CAPACITY);
            assertThat(contents.catalogIds()).containsExactlyInAnyOrderElementsOf(live);
        }
        assertThat(objects("faiss/open")).as("segments left after the compaction").isEmpty();
        assertThat(objects("faiss"))
                .as("shard objects are exactly the manifest's")
                .containsExactlyInAnyOrderElementsOf(namedFiles(manifest));
        awaitSearchServes(manifest);
        assertSearchSkips(Set.of(sealedId, openId), 19);

        // A compaction with nothing small to merge changes nothing.
        runJob("{\"operation\":\"compact\"}");
        assertThat(namedFiles(StoredIndex.manifest(storage)))
                .containsExactlyInAnyOrderElementsOf(namedFiles(manifest));

        // The next incremental job opens a new tail after the compacted shards.
        writeCatalogue(24);
        runJob("{}");
        // The deleted rows are still in the catalogue: the next build indexes them again.
        List<String> after = ids(24);
        for (String type : TYPES) {
            StoredIndex.Contents contents = StoredIndex.read(storage, type);
            assertThat(contents.shards()).isEqualTo((live.size() + CAPACITY - 1) / CAPACITY);
            assertThat(contents.catalogIds()).containsExactlyInAnyOrderElementsOf(after);
        }

        // A row gone from the catalogue: the next build, reading the whole catalogue, retires it.
        String gone = id(5);
        List<String> kept = new ArrayList<>(ids(24));
        kept.remove(gone);
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < 24; i++) {
            if (i != 5) {
                csv.append(id(i)).append(',').append(images.url("/" + i + ".jpg")).append('\n');
            }
        }
        Files.writeString(catalogue, csv);
        runJob("{}");
        for (String type : TYPES) {
            assertThat(liveIds(type)).containsExactlyInAnyOrderElementsOf(kept);
        }
        manifest = StoredIndex.manifest(storage);
        awaitSearchServes(manifest);
        assertSearchSkips(Set.of(gone), 23);
    }

    @Test
    void operationFieldsAreValidatedWithoutEchoingIds() throws Exception {
        String marker = "secret-marker-" + "x".repeat(1100);
        assertProblem(
                post("/jobs", "{\"operation\":\"delete\",\"deleteIds\":[\"" + marker + "\"]}"),
                "invalid-request",
                marker);
        assertProblem(
                post("/jobs", "{\"operation\":\"delete\",\"deleteIds\":[\" \"]}"),
                "invalid-request",
                null);
        assertProblem(
                post("/jobs", "{\"operation\":\"delete\",\"deleteIds\":[]}"),
                "invalid-request",
                null);
        String tooMany =
                IntStream.range(0, JobRequest.MAX_DELETE_IDS + 1)
                        .mapToObj(i -> "\"id-" + i + "\"")
                        .collect(Collectors.joining(","));
        assertProblem(
                post("/jobs", "{\"operation\":\"delete\",\"deleteIds\":[" + tooMany + "]}"),
                "invalid-request",
                "id-10000");
        assertProblem(post("/jobs", "{\"operation\":\"delete\"}"), "invalid-operation", null);
        assertProblem(
                post("/jobs", "{\"deleteIds\":[\"secret-id-7\"]}"),
                "invalid-operation",
                "secret-id-7");
        assertProblem(
                post("/jobs", "{\"operation\":\"compact\",\"dryRun\":true}"),
                "invalid-operation",
                null);
        assertProblem(
                post("/jobs", "{\"operation\":\"secret-operation\"}"),
                "invalid-request",
                "secret-operation");
        assertProblem(
                post("/jobs", "{\"operation\":\"delete\",\"deleteIds\":[7]}"),
                "invalid-request",
                null);
    }

    private static void assertProblem(
            HttpResponse<String> response, String slug, String mustNotEcho) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.body()).contains("/problems/" + slug);
        if (mustNotEcho != null) {
            assertThat(response.body()).doesNotContain(mustNotEcho);
        }
    }

    /** Searches by the stored vector of every live id: no deleted id is ever among the hits. */
    @SuppressWarnings("unchecked")
    private void assertSearchSkips(Set<String> deleted, int live) throws Exception {
        for (String query : List.of(id(1), id(3), id(19), id(21 - 1 - 1))) {
            if (deleted.contains(query)) {
                continue;
            }
            Map<String, Object> answer =
                    json(
                            post(
                                    "/search",
                                    "{\"query\":{\"id\":\""
                                            + query
                                            + "\"},\"k\":30,\"types\":[\"color\",\"structure\",\"combined\"]}"),
                            200);
            Map<String, List<Map<String, Object>>> results =
                    (Map<String, List<Map<String, Object>>>) answer.get("results");
            for (String type : TYPES) {
                List<String> hits =
                        results.get(type).stream().map(hit -> (String) hit.get("id")).toList();
                assertThat(hits)
                        .as("%s hits of %s", type, query)
                        .doesNotContainAnyElementsOf(deleted);
                assertThat(hits)
                        .as("k hits although deleted vectors were among the nearest")
                        .hasSize(Math.min(30, live));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private void awaitSearchServes(Map<String, Object> manifest) throws Exception {
        String published = (String) manifest.get("publishedAt");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            HttpResponse<String> response =
                    post("/search", "{\"query\":{\"id\":\"" + id(1) + "\"},\"k\":1}");
            if (response.statusCode() == 200) {
                Map<String, Object> served =
                        (Map<String, Object>) json(response, 200).get("manifest");
                if (published.equals(served.get("publishedAt"))) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("search never served the manifest of " + published);
            }
            Thread.sleep(100);
        }
    }

    /** Catalogue ids of the type's vectors that no tombstone of the manifest names. */
    @SuppressWarnings("unchecked")
    private static List<String> liveIds(String type) throws IOException {
        Map<String, Object> manifest = StoredIndex.manifest(storage);
        Set<String> dead = new HashSet<>();
        for (Map<String, Object> tombstone :
                (List<Map<String, Object>>) manifest.getOrDefault("tombstones", List.of())) {
            if (type.equals(tombstone.get("type"))) {
                dead.add(tombstone.get("file") + "#" + tombstone.get("id"));
            }
        }
        List<String> live = new ArrayList<>();
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get(section)) {
                if (!type.equals(entry.get("type"))) {
                    continue;
                }
                for (String line :
                        Files.readAllLines(storage.resolve((String) entry.get("idsFile")))) {
                    String[] columns = line.split("\t");
                    if (!dead.contains(entry.get("file") + "#" + columns[0])) {
                        live.add(columns[1]);
                    }
                }
            }
        }
        return live;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> namedFiles(Map<String, Object> manifest) {
        Set<String> files = new HashSet<>();
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get(section)) {
                files.add((String) entry.get("file"));
                files.add((String) entry.get("idsFile"));
            }
        }
        return files;
    }

    /** Shard-like objects directly in a folder of the storage, relative to its root. */
    private static Set<String> objects(String folder) throws IOException {
        Path dir = storage.resolve(folder);
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (var files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .map(file -> storage.relativize(file).toString())
                    .filter(name -> name.endsWith(".faiss") || name.endsWith(".ids.tsv"))
                    .collect(Collectors.toSet());
        }
    }

    private static String id(int row) {
        return String.valueOf(500 + row);
    }

    private static List<String> ids(int rows) {
        return IntStream.range(0, rows).mapToObj(IncrementalJobsTests::id).toList();
    }

    private static void writeCatalogue(int rows) throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < rows; i++) {
            csv.append(id(i)).append(',').append(images.url("/" + i + ".jpg")).append('\n');
        }
        Files.writeString(catalogue, csv);
    }

    private void runJob(String body) throws Exception {
        String job = (String) json(post("/jobs", body), 202).get("id");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            Map<String, Object> view = json(get("/jobs/" + job), 200);
            String state = (String) view.get("state");
            if (state.equals("SUCCEEDED")) {
                return;
            }
            if (state.equals("FAILED") || state.equals("CANCELLED")) {
                throw new AssertionError("job " + body + " ended " + state + ": " + view);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + body + " did not end");
            }
            Thread.sleep(50);
        }
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofByteArray(
                                        body.getBytes(StandardCharsets.UTF_8)))
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
        assertThat(response.statusCode())
                .as("status of %s: %s", response.uri(), response.body())
                .isEqualTo(status);
        return JSON.readValue(response.body(), Map.class);
    }
}
