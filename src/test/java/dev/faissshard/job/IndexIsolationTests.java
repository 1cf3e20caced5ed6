package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * One index's job creates, replaces and deletes only its own objects: indexes at other prefixes —
 * including one an older version let a caller put inside the root index's {@code faiss/open/}, and
 * the partitions nested inside a job's own prefix — survive byte for byte, and prefixes that would
 * put an index inside another's reserved names are refused over HTTP with a problem naming {@code
 * prefix}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class IndexIsolationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 12;
    private static final List<String> TYPES = List.of("color", "structure", "combined");

    private static Path storage;
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
        Path root = Files.createTempDirectory("index-isolation");
        storage = root.resolve("storage");
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            csv.append(300 + i).append(',').append(images.url("/" + i + ".jpg")).append('\n');
        }
        Path catalogue = Files.writeString(root.resolve("catalog.csv"), csv);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "4");
        // The test image server is on loopback, which the egress policy refuses unless allowed.
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.shard.max-vectors", () -> "5");
    }

    @Test
    void jobsAtTheRootAndAtAPrefixLeaveOtherIndexesByteForByte() throws Exception {
        build("{\"prefix\":\"victim\"}");
        // An index an older version accepted at faiss/open/victim, where the root index's clean-up
        // once
        // deleted it whole; each victim also holds an open segment of its own.
        copyTree(storage.resolve("victim"), storage.resolve("faiss/open/victim"));
        for (String victim : List.of("victim", "faiss/open/victim")) {
            Path shard = storage.resolve(victim).resolve("faiss/color_shard_001.faiss");
            Path segment =
                    storage.resolve(victim)
                            .resolve("faiss/open/color_shard_004_batch_000009.faiss");
            Files.createDirectories(segment.getParent());
            Files.copy(shard, segment);
        }
        build("{\"prefix\":\"team\",\"partition\":{\"index\":0,\"count\":2}}");
        build("{\"prefix\":\"team\",\"partition\":{\"index\":1,\"count\":2}}");
        // What the root index's clean-up may delete (its own segment names), and what it may not.
        Path orphan = storage.resolve("faiss/open/color_shard_001_batch_000999.faiss");
        Path orphanIds = storage.resolve("faiss/open/color_shard_001_batch_000999.ids.tsv");
        Files.write(orphan, new byte[] {1, 2, 3});
        Files.write(orphanIds, new byte[] {4});
        Path notes =
                Files.writeString(storage.resolve("faiss/open/NOTES.txt"), "an operator's file");

        List<String> others =
                List.of("victim", "faiss/open/victim", "team/part-0-of-2", "team/part-1-of-2");
        Map<String, String> before = hashes(others);
        before.put("faiss/open/NOTES.txt", sha256(notes));
        assertThat(before)
                .containsKeys(
                        "faiss/open/victim/progress.json",
                        "faiss/open/victim/faiss/manifest.json",
                        "faiss/open/victim/faiss/open/color_shard_004_batch_000009.faiss",
                        "team/part-0-of-2/progress.json",
                        "team/part-1-of-2/faiss/manifest.json");

        Map<String, Object> root = build("{}");
        Map<String, Object> team = build("{\"prefix\":\"team\"}");

        Map<String, String> after = hashes(others);
        after.put("faiss/open/NOTES.txt", sha256(notes));
        assertThat(after)
                .as("every object of every other index, and the operator's file")
                .isEqualTo(before);
        assertThat(orphan).as("the root index's own leftover segment").doesNotExist();
        assertThat(orphanIds).doesNotExist();
        assertThat(counts(root)).containsEntry("embedded", IMAGES);
        assertThat(counts(team))
                .as("the partitions' vectors are not the team index's")
                .containsEntry("embedded", IMAGES);
        for (String type : TYPES) {
            assertThat(StoredIndex.read(storage, type).catalogIds())
                    .doesNotHaveDuplicates()
                    .hasSize(IMAGES);
            assertThat(StoredIndex.read(storage.resolve("team"), type).catalogIds())
                    .doesNotHaveDuplicates()
                    .hasSize(IMAGES);
        }
    }

    static Stream<Arguments> refusedPrefixes() {
        return Stream.of(
                Arguments.of("reserved faiss", "faiss"),
                Arguments.of("inside faiss/open", "faiss/open/victim"),
                Arguments.of("inside an index's faiss", "shop/faiss"),
                Arguments.of("ends in progress.json", "shop/progress.json"),
                Arguments.of("progress.json", "progress.json"),
                Arguments.of("a partition's folder", "team/part-0-of-2"),
                Arguments.of("8 KB of a/", "a/".repeat(4096)),
                Arguments.of("segment of 256", "x/" + "a".repeat(256)),
                Arguments.of("..", ".."),
                Arguments.of("../up", "../up"),
                Arguments.of("a/./b", "a/./b"),
                Arguments.of(
                        "empty segment",
                        "a//b"), // Larger bodies are refused whole (413) before any field is read:
                // see HostileRequestTests.
                Arguments.of("40 KB", "a".repeat(40 * 1024)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedPrefixes")
    void refusedPrefixesAreBadRequestsNamingThePrefixField(String name, String prefix)
            throws Exception {
        int jobsBefore = jobCount();
        long start = System.nanoTime();
        HttpResponse<String> response = post("{\"prefix\":\"" + prefix + "\"}");
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        System.out.printf(
                "prefix %s (%d chars): %d in %d ms%n",
                name, prefix.length(), response.statusCode(), millis);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("application/problem+json");
        @SuppressWarnings("unchecked")
        Map<String, Object> problem = JSON.readValue(response.body(), Map.class);
        assertThat(problem.get("type").toString()).endsWith("/invalid-request");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> errors = (List<Map<String, Object>>) problem.get("errors");
        assertThat(errors).extracting(error -> error.get("field")).containsExactly("prefix");
        assertThat(response.body()).as("the prefix is not echoed").hasSizeLessThan(1000);
        assertThat(jobCount()).as("no job was queued").isEqualTo(jobsBefore);
        assertThat(storage.resolve("shop")).doesNotExist();
        assertThat(storage.resolve("a")).doesNotExist();
        assertThat(storage.resolve("x")).doesNotExist();
    }

    private int jobCount() throws Exception {
        return JSON.readValue(get("/jobs").body(), List.class).size();
    }

    private Map<String, Object> build(String body) throws Exception {
        HttpResponse<String> response = post(body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        String location = response.headers().firstValue("Location").orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            @SuppressWarnings("unchecked")
            Map<String, Object> view = JSON.readValue(get(location).body(), Map.class);
            if ("SUCCEEDED".equals(view.get("state"))) {
                return view;
            }
            assertThat(view.get("state")).as("job %s", view).isIn("QUEUED", "RUNNING");
            Thread.sleep(25);
        }
        throw new AssertionError("job " + body + " did not finish within 120 s");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> counts(Map<String, Object> view) {
        return (Map<String, Object>) view.get("counts");
    }

    private static Map<String, String> hashes(List<String> prefixes) throws IOException {
        Map<String, String> hashes = new TreeMap<>();
        for (String prefix : prefixes) {
            try (Stream<Path> files = Files.walk(storage.resolve(prefix))) {
                files.filter(Files::isRegularFile)
                        .forEach(
                                file ->
                                        hashes.put(
                                                storage.relativize(file)
                                                        .toString()
                                                        .replace('\\', '/'),
                                                sha256(file)));
            }
        }
        return hashes;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        }
    }

    private static String sha256(Path file) {
        try {
            return HexFormat.of()
                    .formatHex(
                            MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs"))
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
