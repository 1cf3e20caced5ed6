package dev.faissshard.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Catalogue locations a hostile caller might send, over real HTTP to the whole service: each is
 * refused (or fails as a job) with a stable problem type, and no byte of a planted secret, nor of
 * the process's environment, appears in the answer, the job views, {@code /actuator/jobs}, storage
 * or the log.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
class HostileCatalogueRequestTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String SECRET =
            "PLANTED_SECRET_" + UUID.randomUUID().toString().replace("-", "");
    private static final String REFUSED =
            "https://faiss-shard-builder.dev/problems/catalog-location-refused";
    private static Path root;
    private static Path allowed;
    private static Path outside;
    private static Path storage;

    @LocalServerPort int port;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void folders() throws IOException {
        // Runs before the context (and its property source) is created.
        root = Files.createTempDirectory("hostile-catalogue").toRealPath();
        allowed = Files.createDirectories(root.resolve("catalogues"));
        outside = Files.createDirectories(root.resolve("private"));
        storage = root.resolve("storage");
        plantSecrets();
    }

    @DynamicPropertySource
    static void confinedCatalogues(DynamicPropertyRegistry registry) throws IOException {
        Path defaultCatalog = allowed.resolve("default.csv");
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", defaultCatalog::toString);
        registry.add("fsb.catalog.max-size", () -> "1MB");
    }

    private static void plantSecrets() throws IOException {
        Files.writeString(allowed.resolve("default.csv"), "id,image_url\n");
        Files.writeString(
                outside.resolve("secret.csv"),
                SECRET + "\n1,http://127.0.0.1/" + SECRET + ".jpg\n");
        Files.createSymbolicLink(allowed.resolve("escape.csv"), outside.resolve("secret.csv"));
        Files.createSymbolicLink(allowed.resolve("escape-folder"), outside);
        try {
            CatalogConfinementTests.mkfifo(allowed.resolve("pipe.csv"));
        } catch (InterruptedException ex) {
            throw new IllegalStateException(ex);
        }
        Files.createDirectories(allowed.resolve("folder"));
        Files.writeString(
                allowed.resolve("huge-line.csv"),
                "id,image_url\n1," + SECRET.repeat(70 * 1024 / SECRET.length()));
        Files.writeString(
                allowed.resolve("huge-line.jsonl"),
                "{\"id\":\"" + SECRET.repeat(70 * 1024 / SECRET.length()));
        Files.writeString(
                allowed.resolve("too-large.csv"), "id,image_url\n" + "\n".repeat(1100 * 1024));
        Files.writeString(allowed.resolve("secret-header.csv"), SECRET + ",x\n1,2\n");
        Files.writeString(allowed.resolve("secret-json.jsonl"), "{\"id\": " + SECRET + "}\n");
        Files.writeString(
                allowed.resolve("secret-url.csv"),
                "id,image_url\n1,\"http://exa mple/" + SECRET + "\"\n");
    }

    @Test
    void locationsOutsideTheRootsOrNotRegularFilesAreRefusedAlike(CapturedOutput output)
            throws Exception {
        List<String> hostile =
                List.of(
                        "/proc/self/environ",
                        "/proc/self/cmdline",
                        "/etc/passwd",
                        "../../../etc/passwd",
                        "../private/secret.csv",
                        outside.resolve("secret.csv").toString(),
                        outside.resolve("nothing.csv").toString(),
                        "/dev/zero",
                        allowed.resolve("pipe.csv").toString(),
                        "pipe.csv",
                        "escape.csv",
                        "escape-folder/secret.csv",
                        allowed.resolve("nothing.csv").toString());
        String environment = String.join("\n", System.getenv().values());
        assertTimeoutPreemptively(
                Duration.ofSeconds(120),
                () -> {
                    for (String location : hostile) {
                        for (String type : List.of("auto", "csv", "jsonl", "folder")) {
                            HttpResponse<String> response =
                                    post(
                                            "{\"catalog\":{\"type\":\""
                                                    + type
                                                    + "\",\"location\":\""
                                                    + location
                                                    + "\"}}");
                            assertThat(response.statusCode()).as(location).isEqualTo(400);
                            Map<String, Object> problem = json(response);
                            assertThat(problem.get("type")).as(location).isEqualTo(REFUSED);
                            assertThat(problem.get("detail"))
                                    .as("one message for every reason")
                                    .isEqualTo(CatalogLocationRefusedException.MESSAGE);
                            assertThat(problem.get("errors").toString())
                                    .contains("catalog.location");
                            assertNoLeak(response.body());
                            assertThat(response.body()).doesNotContain("root:x:0:0");
                            for (String line :
                                    environment
                                            .lines()
                                            .filter(value -> value.length() > 8)
                                            .toList()) {
                                assertThat(response.body()).doesNotContain(line);
                            }
                        }
                    }
                });
        assertNothingLeakedAnywhere(output);
    }

    @Test
    void aFolderWhereAFileIsExpectedIsAnUnusableCatalogue() throws Exception {
        HttpResponse<String> response =
                post("{\"catalog\":{\"type\":\"csv\",\"location\":\"folder\"}}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("type"))
                .isEqualTo("https://faiss-shard-builder.dev/problems/catalog-unusable");
        assertThat(json(response).get("detail").toString())
                .contains("a folder but was declared csv");
    }

    @Test
    void aHugeSingleLineOrAnOversizedFileFailsItsJobAtTheBoundWithoutQuotingIt(
            CapturedOutput output) throws Exception {
        Map<String, Object> csv = failedJob("huge-line.csv", "huge-line");
        assertThat(csv.get("lastError").toString())
                .contains("line 2")
                .contains("fsb.catalog.max-line-length");
        Map<String, Object> jsonl = failedJob("huge-line.jsonl", "huge-line-jsonl");
        assertThat(jsonl.get("lastError").toString())
                .contains("line 1")
                .contains("fsb.catalog.max-line-length");
        Map<String, Object> large = failedJob("too-large.csv", "too-large");
        assertThat(large.get("lastError").toString()).contains("fsb.catalog.max-size");
        assertNothingLeakedAnywhere(output);
    }

    @Test
    void parseErrorsSayWhereAndWhatButNeverQuoteTheFile(CapturedOutput output) throws Exception {
        assertThat(failedJob("secret-header.csv", "secret-header").get("lastError").toString())
                .contains("line 1")
                .contains("header row needs an 'id' column");
        assertThat(failedJob("secret-json.jsonl", "secret-json").get("lastError").toString())
                .contains("line 1 column")
                .contains("invalid JSON");
        // How a malformed URL ends (the job, or only its row) is the fetcher's business; it is
        // never quoted.
        HttpResponse<String> url =
                post("{\"catalog\":{\"location\":\"secret-url.csv\"},\"prefix\":\"secret-url\"}");
        assertThat(url.statusCode()).isEqualTo(202);
        awaitFinished(url.headers().firstValue("Location").orElseThrow());
        assertNothingLeakedAnywhere(output);
    }

    private Map<String, Object> failedJob(String location, String prefix) throws Exception {
        HttpResponse<String> response =
                post(
                        "{\"catalog\":{\"location\":\""
                                + location
                                + "\"},\"prefix\":\""
                                + prefix
                                + "\"}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        Map<String, Object> view =
                awaitFinished(response.headers().firstValue("Location").orElseThrow());
        assertThat(view.get("state")).as(view.toString()).isEqualTo("FAILED");
        return view;
    }

    private void assertNothingLeakedAnywhere(CapturedOutput output) throws Exception {
        assertNoLeak(get("/jobs").body());
        assertNoLeak(get("/actuator/jobs").body());
        for (Object view : JSON.readValue(get("/jobs").body(), List.class)) {
            assertNoLeak(get("/jobs/" + ((Map<?, ?>) view).get("id")).body());
        }
        assertNoLeak(output.getAll());
        if (Files.exists(storage)) {
            try (Stream<Path> files = Files.walk(storage)) {
                for (Path file : files.filter(Files::isRegularFile).toList()) {
                    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1))
                            .as(file.toString())
                            .doesNotContain(SECRET);
                }
            }
        }
    }

    private static void assertNoLeak(String text) {
        assertThat(text).doesNotContain(SECRET).doesNotContain(SECRET.substring(0, 20));
    }

    private Map<String, Object> awaitFinished(String location) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        Map<String, Object> view = Map.of();
        while (System.nanoTime() < deadline) {
            view = json(get(location));
            if (List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(view.get("state"))) {
                return view;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("job did not finish; last view " + view);
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs"))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> response) {
        return JSON.readValue(response.body(), Map.class);
    }
}
