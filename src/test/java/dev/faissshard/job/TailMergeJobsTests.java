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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Many small incremental jobs through the HTTP API with {@code fsb.shard.merge-tail-above: 1}, real
 * images, embeddings and FAISS in local storage: after every job each type's open tail is one
 * segment, the published index holds every catalogue row once, a row gone from the catalogue leaves
 * no tombstone behind in the merged tail, and the Python reader sees the same rows with the same
 * vectors as the files the manifest names.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TailMergeJobsTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String PYTHON = System.getProperty("python.debian", "/usr/bin/python3");
    private static final Path CLIENT = Path.of("clients/python").toAbsolutePath();
    private static final int IMAGES = 24;
    private static final int CAPACITY = 10;
    private static final List<String> TYPES = List.of("color", "structure", "combined");

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
        Path root = Files.createTempDirectory("tail-merge");
        storage = root.resolve("storage");
        catalogue = root.resolve("catalog.csv");
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "2");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.shard.max-vectors", () -> String.valueOf(CAPACITY));
        registry.add("fsb.shard.merge-tail-above", () -> "1");
    }

    @Test
    void smallJobsKeepOneOpenSegmentPerTypeAndEveryRowOnceForJavaAndPython() throws Exception {
        List<Integer> rows = new ArrayList<>();
        for (int job = 0; job < 8; job++) {
            // Three new rows a job: two batches, two segments per type before the merge.
            for (int i = 3 * job; i < 3 * job + 3; i++) {
                rows.add(i);
            }
            if (job == 5) {
                // Gone from the catalogue (it is in the open tail): the job retires it, and its
                // tail merge drops it with its tombstone.
                rows.remove(Integer.valueOf(13));
            }
            writeCatalogue(rows);
            runJob();
            List<String> expected = rows.stream().map(TailMergeJobsTests::id).toList();
            for (String type : TYPES) {
                StoredIndex.Contents contents = StoredIndex.read(storage, type);
                assertThat(contents.segments())
                        .as("%s open segments after job %d", type, job)
                        .isLessThanOrEqualTo(1);
                assertThat(contents.shards())
                        .as("%s shards after job %d", type, job)
                        .as("a shard seals when a row would take it past capacity")
                        .isEqualTo((expected.size() - 1) / CAPACITY);
                assertThat(StoredIndex.live(storage, type).keySet())
                        .as("%s rows after job %d", type, job)
                        .containsExactlyInAnyOrderElementsOf(expected);
            }
            assertThat(
                            (List<?>)
                                    StoredIndex.manifest(storage)
                                            .getOrDefault("tombstones", List.of()))
                    .as("no tombstone outlives the merge of the tail it named")
                    .isEmpty();
        }
        List<String> expected = rows.stream().map(TailMergeJobsTests::id).toList();
        Map<String, Map<String, List<Double>>> python = pythonVectors(expected);
        for (String type : TYPES) {
            Map<String, float[]> live = StoredIndex.live(storage, type);
            assertThat(python.get(type).keySet())
                    .as("%s rows the Python reader finds", type)
                    .containsExactlyInAnyOrderElementsOf(expected);
            live.forEach(
                    (id, vector) -> {
                        List<Double> read = python.get(type).get(id);
                        assertThat(read).hasSize(vector.length);
                        for (int j = 0; j < vector.length; j++) {
                            assertThat(read.get(j).floatValue())
                                    .as("%s %s[%d]", type, id, j)
                                    .isEqualTo(vector[j]);
                        }
                    });
        }
    }

    /** Each id's vector per type as the Python reader reconstructs it; absent ids left out. */
    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, List<Double>>> pythonVectors(List<String> ids)
            throws Exception {
        String script =
                """
                import json, sys
                from faiss_shard_reader import open_index
                from faiss_shard_reader.errors import VectorNotFound
                index = open_index(sys.argv[1])
                out = {}
                for kind in index.types:
                    found = {}
                    for catalog_id in sys.argv[2].split(","):
                        try:
                            found[catalog_id] = [float(x) for x in index.vector_of(catalog_id, kind)]
                        except VectorNotFound:
                            pass
                    out[kind] = found
                print(json.dumps(out))
                """;
        Path file = Files.createTempFile(storage.getParent(), "vectors", ".py");
        Files.writeString(file, script);
        ProcessBuilder builder =
                new ProcessBuilder(
                                PYTHON,
                                file.toString(),
                                storage.toString(),
                                String.join(",", ids) + ",999")
                        .directory(CLIENT.toFile())
                        .redirectErrorStream(true);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        builder.environment().put("PYTHONPATH", CLIENT.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("python output:%n%s", output).isZero();
        String last = output.strip().lines().reduce((a, b) -> b).orElseThrow();
        return JSON.readValue(last, Map.class);
    }

    private static String id(int row) {
        return String.valueOf(700 + row);
    }

    private static void writeCatalogue(List<Integer> rows) throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int row : rows) {
            csv.append(id(row)).append(',').append(images.url("/" + row + ".jpg")).append('\n');
        }
        Files.writeString(catalogue, csv);
    }

    @SuppressWarnings("unchecked")
    private void runJob() throws Exception {
        HttpResponse<String> created =
                http.send(
                        HttpRequest.newBuilder(uri("/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String job = (String) JSON.readValue(created.body(), Map.class).get("id");
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            Map<String, Object> view =
                    JSON.readValue(
                            http.send(
                                            HttpRequest.newBuilder(uri("/jobs/" + job)).build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .body(),
                            Map.class);
            String state = (String) view.get("state");
            if (state.equals("SUCCEEDED")) {
                return;
            }
            if (state.equals("FAILED") || state.equals("CANCELLED")) {
                throw new AssertionError("job ended " + state + ": " + view);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job did not end: " + view);
            }
            Thread.sleep(50);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
