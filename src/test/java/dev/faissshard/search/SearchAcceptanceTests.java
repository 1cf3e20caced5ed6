package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.index.IdFile;
import dev.faissshard.job.Partition;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * THE acceptance test of the search API: an index built by the service itself, sharded (at most 7
 * vectors a shard), partitioned (2 workers), with string catalogue ids, and with one partition's
 * build paused mid-way so that open segments are part of what is served. Every search answer must
 * equal an exhaustive search over the union of all stored vectors, read back through the manifests
 * and scored by brute force in this test (ids exact, scores within 1e-5).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SearchAcceptanceTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 44;
    private static final List<String> TYPES = List.of("color", "structure", "combined");
    private static final Partition SLOW = new Partition(1, 2);

    private static Path storage;
    private static ImageServer images;
    private static final List<String> ids = new ArrayList<>();
    private static final Map<String, byte[]> jpegs = new HashMap<>();

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private Instant servedManifest;

    @BeforeAll
    static void serveImages() throws IOException {
        images = new ImageServer();
        for (int i = 0; i < IMAGES; i++) {
            String id =
                    "sku-"
                            + UUID.nameUUIDFromBytes(
                                    ("search-" + i).getBytes(StandardCharsets.UTF_8));
            byte[] jpeg =
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 96),
                            0.85f);
            ids.add(id);
            jpegs.put(id, jpeg);
            // The second partition's images are slow, so that its build can be paused with segments
            // open.
            long delay = SLOW.contains(id) ? 400 : 0;
            images.put("/" + i + ".jpg", new ImageServer.Resource(200, "image/jpeg", jpeg, delay));
        }
    }

    @AfterAll
    static void stopImages() {
        images.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("search-acceptance");
        storage = root.resolve("storage");
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            csv.append(ids.get(i)).append(',').append(images.url("/" + i + ".jpg")).append('\n');
        }
        Path catalogue = Files.writeString(root.resolve("catalog.csv"), csv);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "4");
        registry.add("fsb.job.prefix", () -> "shop");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.shard.max-vectors", () -> "7");
        registry.add("fsb.search.refresh-interval", () -> "200ms");
    }

    @Test
    void searchesEqualAnExhaustiveSearchOverEveryShardSegmentAndPartition() throws Exception {
        String first = startJob(0);
        awaitState(first, "SUCCEEDED");
        String second = startJob(1);
        await(
                () -> embedded(second) >= 4 || state(second).equals("SUCCEEDED"),
                "the second partition's first batches");
        post("/jobs/" + second + "/pause", "", "application/json");
        awaitState(second, "PAUSED");
        Path part0 = storage.resolve("shop/part-0-of-2");
        Path part1 = storage.resolve("shop/part-1-of-2");
        // PAUSED takes effect at the next batch boundary: the batch in flight (whose vectors were
        // counted
        // before its commit) is still committed, and maybe one more.
        await(
                () -> Files.exists(part1.resolve("faiss/manifest.json")),
                "the second partition's first commit");
        awaitUnchanged(part1.resolve("faiss/manifest.json"));
        servedManifest = Instant.parse((String) StoredIndex.manifest(part1).get("publishedAt"));
        Map<String, Object> manifest1 = StoredIndex.manifest(part1);
        assertThat((List<?>) manifest1.get("openSegments"))
                .as("open segments of the paused build")
                .isNotEmpty();
        assertThat(manifest1.get("complete")).isEqualTo(false);
        assertThat(StoredIndex.manifest(part0).get("complete")).isEqualTo(true);
        assertThat((List<?>) StoredIndex.manifest(part0).get("shards"))
                .as("part 0 is sharded")
                .hasSizeGreaterThan(3);

        Map<String, ExhaustiveSearch> union = new LinkedHashMap<>();
        for (String type : TYPES) {
            union.put(type, ExhaustiveSearch.of(type, part0, part1));
        }
        int stored = union.get("color").size();
        assertThat(stored).isLessThan(IMAGES).isGreaterThan(IMAGES / 2);
        Map<String, String> shardOf = shardOfEveryId(part0, "part-0-of-2/");
        shardOf.putAll(shardOfEveryId(part1, "part-1-of-2/"));

        // By raw vector: random directions, k smaller than, equal to and beyond what is stored.
        Random random = new Random(7);
        for (String type : TYPES) {
            int dimension = union.get(type).rows().get(0).vector().length;
            for (int k : new int[] {1, 10, stored, 1000}) {
                float[] query = new float[dimension];
                for (int i = 0; i < dimension; i++) {
                    query[i] = (float) random.nextGaussian();
                }
                Map<String, Object> answer =
                        search(Map.of("query", Map.of("vector", Map.of(type, query)), "k", k));
                assertHits(answer, type, union.get(type).top(query, k, null), shardOf);
            }
        }

        // By catalogue id, from a sealed shard of one partition and from an open segment of the
        // other,
        // every type at once, with and without the id itself.
        String sealedId = idIn(part0, "shards");
        String segmentId = idIn(part1, "openSegments");
        for (String id : List.of(sealedId, segmentId)) {
            for (boolean excludeSelf : new boolean[] {true, false}) {
                Map<String, Object> answer =
                        search(
                                Map.of(
                                        "query",
                                        Map.of("id", id),
                                        "types",
                                        TYPES,
                                        "k",
                                        9,
                                        "excludeSelf",
                                        excludeSelf));
                for (String type : TYPES) {
                    ExhaustiveSearch expected = union.get(type);
                    assertHits(
                            answer,
                            type,
                            expected.top(expected.vectorOf(id), 9, excludeSelf ? id : null),
                            shardOf);
                }
            }
        }

        // By uploaded image (raw body and multipart) and by URL: the same as a vector search with
        // the
        // image's vectors from /embed.
        String imageId = ids.get(3);
        Map<String, Object> embedded =
                json(post("/embed?types=color,combined", jpegs.get(imageId), "image/jpeg"), 200);
        for (String type : List.of("color", "combined")) {
            float[] vector = vector(embedded, type);
            List<ExhaustiveSearch.Expected> expected = union.get(type).top(vector, 6, null);
            assertHits(
                    served(
                            json(
                                    post(
                                            "/search?types=" + type + "&k=6&index=shop",
                                            jpegs.get(imageId),
                                            "image/jpeg"),
                                    200)),
                    type,
                    expected,
                    shardOf);
            assertHits(
                    served(
                            json(
                                    multipart(
                                            jpegs.get(imageId),
                                            "{\"types\":[\"" + type + "\"],\"k\":6}"),
                                    200)),
                    type,
                    expected,
                    shardOf);
            assertHits(
                    search(
                            Map.of(
                                    "query",
                                    Map.of("url", images.url("/3.jpg").toString()),
                                    "types",
                                    List.of(type),
                                    "k",
                                    6)),
                    type,
                    expected,
                    shardOf);
        }

        Map<String, Object> view = search(Map.of("query", Map.of("id", sealedId), "k", 1));
        assertThat(view.get("index")).isEqualTo("shop");
        assertThat((Map<String, Object>) view.get("manifest"))
                .containsEntry("partitions", 2)
                .containsEntry("complete", false);

        // The paused build finishes: the served index follows, and the whole is complete.
        post("/jobs/" + second + "/resume", "", "application/json");
        awaitState(second, "SUCCEEDED");
        servedManifest = null;
        assertThat(Files.readString(storage.resolve("shop/faiss/partitions.json")))
                .isEqualTo(
                        "{\"formatVersion\":1,\"partitionCount\":2,\"partitions\":[{\"index\":0,\"prefix\":\"part-0-of-2\","
                                + "\"manifest\":\"part-0-of-2/faiss/manifest.json\"},{\"index\":1,\"prefix\":\"part-1-of-2\","
                                + "\"manifest\":\"part-1-of-2/faiss/manifest.json\"}]}");
        assertThat(StoredIndex.manifest(part1).get("complete")).isEqualTo(true);
        await(
                () -> {
                    Map<String, Object> now =
                            search(Map.of("query", Map.of("id", sealedId), "k", 1));
                    return Boolean.TRUE.equals(
                            ((Map<String, Object>) now.get("manifest")).get("complete"));
                },
                "the served snapshot to follow the final manifest");
        ExhaustiveSearch all = ExhaustiveSearch.of("combined", part0, part1);
        assertThat(all.size()).isEqualTo(IMAGES);
        float[] query = all.vectorOf(segmentId);
        assertHits(
                search(Map.of("query", Map.of("id", segmentId), "k", IMAGES)),
                "combined",
                all.top(query, IMAGES, null),
                null);

        Map<String, Object> catalogue = json(get("/indexes/shop"), 200);
        assertThat(catalogue).containsEntry("prefix", "shop").containsEntry("complete", true);
        assertThat((Map<String, Map<String, Object>>) catalogue.get("types"))
                .extractingByKey("combined")
                .satisfies(
                        type ->
                                assertThat(((Number) type.get("vectors")).intValue())
                                        .isEqualTo(IMAGES));
        assertThat((List<?>) catalogue.get("partitions")).hasSize(2);
        List<Map<String, Object>> listed =
                (List<Map<String, Object>>) json(get("/indexes"), 200).get("indexes");
        assertThat(listed).extracting(index -> index.get("prefix")).containsExactly("shop");
    }

    @SuppressWarnings("unchecked")
    private static void assertHits(
            Map<String, Object> answer,
            String type,
            List<ExhaustiveSearch.Expected> expected,
            Map<String, String> shardOf) {
        List<Map<String, Object>> hits =
                ((Map<String, List<Map<String, Object>>>) answer.get("results")).get(type);
        List<String> hitIds = hits.stream().map(hit -> (String) hit.get("id")).toList();
        List<Double> scores =
                hits.stream().map(hit -> ((Number) hit.get("score")).doubleValue()).toList();
        ExhaustiveSearch.assertSameHits(hitIds, scores, expected);
        if (shardOf != null) {
            for (Map<String, Object> hit : hits) {
                assertThat(hit.get("shard"))
                        .as("shard of %s", hit.get("id"))
                        .isEqualTo(shardOf.get(type + "/" + hit.get("id")));
            }
        }
    }

    /**
     * type/catalogue id → the file that holds it, relative to the index prefix, from the id files.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, String> shardOfEveryId(Path root, String subPrefix)
            throws IOException {
        Map<String, String> shards = new HashMap<>();
        Map<String, Object> manifest = StoredIndex.manifest(root);
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get(section)) {
                for (IdFile.Entry id :
                        IdFile.read(
                                Files.readAllBytes(root.resolve((String) entry.get("idsFile"))))) {
                    shards.put(
                            entry.get("type") + "/" + id.catalogId(),
                            subPrefix + entry.get("file"));
                }
            }
        }
        return shards;
    }

    @SuppressWarnings("unchecked")
    private static String idIn(Path root, String section) throws IOException {
        Map<String, Object> entry =
                ((List<Map<String, Object>>) StoredIndex.manifest(root).get(section)).get(0);
        return IdFile.read(Files.readAllBytes(root.resolve((String) entry.get("idsFile"))))
                .get(0)
                .catalogId();
    }

    @SuppressWarnings("unchecked")
    private static float[] vector(Map<String, Object> embedded, String type) {
        List<Number> values =
                (List<Number>)
                        ((Map<String, Map<String, Object>>) embedded.get("vectors"))
                                .get(type)
                                .get("vector");
        float[] vector = new float[values.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = values.get(i).floatValue();
        }
        return vector;
    }

    private Map<String, Object> search(Map<String, Object> body) throws Exception {
        return served(
                json(post("/search", JSON.writeValueAsString(body), "application/json"), 200));
    }

    /** Checks that an answer came from the manifest the expectation was read from. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> served(Map<String, Object> answer) {
        if (servedManifest != null) {
            assertThat(
                            Instant.parse(
                                    (String)
                                            ((Map<String, Object>) answer.get("manifest"))
                                                    .get("publishedAt")))
                    .as("manifest the answer was served from")
                    .isEqualTo(servedManifest);
        }
        return answer;
    }

    /**
     * Waits until a file has not changed for two seconds: the paused build has reached its
     * boundary.
     */
    private static void awaitUnchanged(Path file) throws Exception {
        byte[] last = Files.readAllBytes(file);
        long stableSince = System.nanoTime();
        long deadline = stableSince + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() - stableSince < Duration.ofSeconds(2).toNanos()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the paused build kept publishing");
            }
            Thread.sleep(100);
            byte[] now = Files.readAllBytes(file);
            if (!java.util.Arrays.equals(now, last)) {
                last = now;
                stableSince = System.nanoTime();
            }
        }
    }

    private String startJob(int partition) throws Exception {
        Map<String, Object> job =
                json(
                        post(
                                "/jobs",
                                "{\"partition\":{\"index\":" + partition + ",\"count\":2}}",
                                "application/json"),
                        202);
        return (String) job.get("id");
    }

    @SuppressWarnings("unchecked")
    private long embedded(String job) throws Exception {
        return ((Number)
                        ((Map<String, Object>) json(get("/jobs/" + job), 200).get("counts"))
                                .get("embedded"))
                .longValue();
    }

    private String state(String job) throws Exception {
        return (String) json(get("/jobs/" + job), 200).get("state");
    }

    private void awaitState(String job, String state) throws Exception {
        await(() -> state(job).equals(state), "job state " + state);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private HttpResponse<String> post(String path, String body, String type) throws Exception {
        return post(path, body.getBytes(StandardCharsets.UTF_8), type);
    }

    private HttpResponse<String> post(String path, byte[] body, String type) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> multipart(byte[] image, String request) throws Exception {
        String boundary = "fsb-boundary-7f3a";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"q.jpg\"\r\n"
                                + "Content-Type: image/jpeg\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        body.write(image);
        body.write(
                ("\r\n--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"request\"\r\n"
                                + "Content-Type: application/json\r\n\r\n"
                                + request
                                + "\r\n--"
                                + boundary
                                + "--\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        return post("/search", body.toByteArray(), "multipart/form-data; boundary=" + boundary);
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
