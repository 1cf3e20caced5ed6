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
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * A catalogue row whose image changed is embedded again through the HTTP API, with real FAISS
 * shards in local storage: a new {@code image_url} (of a row in a sealed shard and of one in the
 * open tail) or a new {@code updated_at} (same URL, image replaced in place) turns the old vector
 * into a tombstone and adds the new one, once; the new vector equals that of a reference row
 * embedded from the same image, and unchanged rows are not embedded again.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class UpdatedRowsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CAPACITY = 4;
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
        for (int i = 0; i < 14; i++) {
            images.image("/" + i + ".jpg", picture(i));
        }
    }

    @AfterAll
    static void stopImages() {
        images.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        root = Files.createTempDirectory("updated-rows");
        storage = root.resolve("storage");
        catalogue = root.resolve("catalog.csv");
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "3");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.shard.max-vectors", () -> String.valueOf(CAPACITY));
    }

    @Test
    void rowsWhoseUrlOrRevisionChangedAreEmbeddedAgainExactlyOnce() throws Exception {
        // Reference rows for the images the updates will point to (what a fresh embedding of
        // those images gives), then ten rows: three sealed shards and an open tail of one (109).
        Map<String, String> rows = new LinkedHashMap<>();
        Map<String, String> revisions = new HashMap<>();
        rows.put("ref-10", "/10.jpg");
        rows.put("ref-11", "/11.jpg");
        rows.put("ref-12", "/12.jpg");
        for (int i = 0; i < 10; i++) {
            rows.put(String.valueOf(100 + i), "/" + i + ".jpg");
            revisions.put(String.valueOf(100 + i), "2026-01-01");
        }
        writeCatalogue(rows, revisions);
        assertThat(runJob().get("embedded")).isEqualTo(13);
        for (String type : TYPES) {
            assertThat(StoredIndex.read(storage, type).shards()).isEqualTo(13 / CAPACITY);
        }
        Map<String, Map<String, float[]>> before = liveVectors();

        // Row 101 (in a sealed shard) and row 109 (in the open tail) point to other images; row
        // 105 keeps its URL but its image was replaced there, which its updated_at says.
        rows.put("101", "/10.jpg");
        rows.put("109", "/11.jpg");
        images.image("/5.jpg", picture(12));
        revisions.put("105", "2026-02-01");
        writeCatalogue(rows, revisions);
        Map<String, Object> counts = runJob();
        assertThat(counts.get("embedded")).as("only the changed rows are embedded").isEqualTo(3);

        Map<String, Map<String, float[]>> after = liveVectors();
        List<String> changed = List.of("101", "109", "105");
        Map<String, String> reference = Map.of("101", "ref-10", "109", "ref-11", "105", "ref-12");
        for (String type : TYPES) {
            assertThat(after.get(type).keySet())
                    .as("%s: every row live once", type)
                    .containsExactlyInAnyOrderElementsOf(rows.keySet());
            for (String id : changed) {
                assertThat(after.get(type).get(id))
                        .as("%s vector of %s is the new image's", type, id)
                        .containsExactly(after.get(type).get(reference.get(id)));
                assertThat(after.get(type).get(id))
                        .as("%s vector of %s changed", type, id)
                        .isNotEqualTo(before.get(type).get(id));
            }
            for (String id : rows.keySet()) {
                if (!changed.contains(id)) {
                    assertThat(after.get(type).get(id))
                            .as("%s vector of unchanged %s", type, id)
                            .containsExactly(before.get(type).get(id));
                }
            }
        }
        assertThat(tombstones())
                .as("the old vectors of the rows in sealed shards are tombstones")
                .isNotEmpty();

        // Nothing changed since: the next job embeds nothing.
        assertThat(runJob().get("embedded")).isEqualTo(0);

        // A compaction applies the tombstones and keeps the fingerprints: still nothing to do.
        runJobBody("{\"operation\":\"compact\"}");
        assertThat(tombstones()).isEmpty();
        Map<String, Map<String, float[]>> compacted = liveVectors();
        for (String type : TYPES) {
            assertThat(compacted.get(type).keySet())
                    .containsExactlyInAnyOrderElementsOf(rows.keySet());
            for (String id : rows.keySet()) {
                assertThat(compacted.get(type).get(id)).containsExactly(after.get(type).get(id));
            }
        }
        assertThat(runJob().get("embedded")).isEqualTo(0);
        rows.put("102", "/13.jpg");
        writeCatalogue(rows, revisions);
        assertThat(runJob().get("embedded"))
                .as("a change after the compaction is still seen")
                .isEqualTo(1);
        for (String type : TYPES) {
            assertThat(liveVectors().get(type).keySet())
                    .containsExactlyInAnyOrderElementsOf(rows.keySet());
        }
        assertThat(fingerprintObjects())
                .as("every fingerprint file is one progress.json names")
                .isEqualTo(namedFingerprints());
    }

    private static byte[] picture(int spec) {
        return ProductImageGenerator.jpeg(
                ProductImageGenerator.render(ProductImageGenerator.catalogueSpec(spec), 96), 0.85f);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> tombstones() throws IOException {
        return (List<Map<String, Object>>)
                StoredIndex.manifest(storage).getOrDefault("tombstones", List.of());
    }

    private static Map<String, Map<String, float[]>> liveVectors() throws IOException {
        Map<String, Map<String, float[]>> live = new HashMap<>();
        for (String type : TYPES) {
            live.put(type, StoredIndex.live(storage, type));
        }
        return live;
    }

    private static Set<String> fingerprintObjects() throws IOException {
        Set<String> found = new HashSet<>();
        for (String folder : List.of("faiss", "faiss/open")) {
            Path dir = storage.resolve(folder);
            if (Files.isDirectory(dir)) {
                try (var files = Files.list(dir)) {
                    files.map(file -> storage.relativize(file).toString())
                            .filter(name -> name.endsWith(".urls.bin"))
                            .forEach(found::add);
                }
            }
        }
        return found;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> namedFingerprints() throws IOException {
        String progress = Files.readString(storage.resolve("progress.json"));
        Set<String> named = new HashSet<>();
        java.util.regex.Matcher matcher =
                java.util.regex.Pattern.compile("\"urlsFile\"\\s*:\\s*\"([^\"]+)\"")
                        .matcher(progress);
        while (matcher.find()) {
            named.add(matcher.group(1));
        }
        // Sealed-shard records may live in progress's chunk objects.
        Path chunks = storage.resolve("faiss/state");
        if (Files.isDirectory(chunks)) {
            try (var files = Files.list(chunks)) {
                for (Path chunk : files.toList()) {
                    matcher =
                            java.util.regex.Pattern.compile("\"urlsFile\"\\s*:\\s*\"([^\"]+)\"")
                                    .matcher(Files.readString(chunk));
                    while (matcher.find()) {
                        named.add(matcher.group(1));
                    }
                }
            }
        }
        return named;
    }

    private static void writeCatalogue(Map<String, String> rows, Map<String, String> revisions)
            throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url,updated_at\n");
        rows.forEach(
                (id, path) ->
                        csv.append(id)
                                .append(',')
                                .append(images.url(path))
                                .append(',')
                                .append(revisions.getOrDefault(id, ""))
                                .append('\n'));
        Files.writeString(catalogue, csv);
    }

    /** Runs a build to its end; its counts. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> runJob() throws Exception {
        return (Map<String, Object>) runJobBody("{}").get("counts");
    }

    private Map<String, Object> runJobBody(String body) throws Exception {
        String job = (String) json(post("/jobs", body), 202).get("id");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            Map<String, Object> view = json(get("/jobs/" + job), 200);
            String state = (String) view.get("state");
            if (state.equals("SUCCEEDED")) {
                return view;
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
