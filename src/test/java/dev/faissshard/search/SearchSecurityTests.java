package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ProductImageGenerator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Over real HTTP with tokens configured: searching, embedding and the index catalogue need the read
 * role (and nothing more), and upload bodies are bounded by {@code fsb.fetch.max-bytes} while JSON
 * bodies keep the API's own limit.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SearchSecurityTests {

    static final String WRITE_TOKEN = "w7Kq2ZxP9vLm4Tn8Rb3Yc6Hd1Fg5Js0A";
    static final String READ_TOKEN = "r4Nh8Qe2Wu6Io1Pa9Sd3Fg7Jk5Lz0Xc";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws Exception {
        Path root = Files.createTempDirectory("search-security");
        Path catalogue = Files.writeString(root.resolve("empty.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add(
                "fsb.security.api-tokens", () -> "write:" + WRITE_TOKEN + ",read:" + READ_TOKEN);
        registry.add("fsb.fetch.max-bytes", () -> "100KB");
    }

    @Test
    void withoutATokenSearchEmbedAndIndexesAreAuthenticationProblems() throws Exception {
        for (HttpResponse<String> response :
                List.of(
                        send(json("/search", "{\"query\":{\"id\":\"a\"}}", null)),
                        send(raw("/embed", jpeg(), "image/jpeg", null)),
                        send(get("/indexes", null)))) {
            assertProblem(response, 401, "authentication-required");
        }
    }

    @Test
    void aReadTokenMaySearchEmbedAndListIndexes() throws Exception {
        assertProblem(
                send(json("/search", "{\"query\":{\"id\":\"a\"}}", READ_TOKEN)),
                404,
                "search-index-not-found");
        assertThat(send(get("/indexes", READ_TOKEN)).body()).isEqualTo("{\"indexes\":[]}");
        HttpResponse<String> embedded = send(raw("/embed", jpeg(), "image/jpeg", READ_TOKEN));
        assertThat(embedded.statusCode()).as(embedded.body()).isEqualTo(200);
        Map<String, Map<String, Object>> vectors =
                (Map<String, Map<String, Object>>)
                        JSON.readValue(embedded.body(), Map.class).get("vectors");
        assertThat(vectors).containsOnlyKeys("color", "structure", "combined");
        for (Map<String, Object> vector : vectors.values()) {
            // combined: the sha256 of both models it is made of
            assertThat((String) vector.get("modelSha256"))
                    .matches("[0-9a-f]{64}(\\+[0-9a-f]{64})*");
            assertThat(vector).containsEntry("metric", "INNER_PRODUCT");
            List<Number> values = (List<Number>) vector.get("vector");
            assertThat(values).hasSize((Integer) vector.get("dimension"));
            double norm = values.stream().mapToDouble(v -> v.doubleValue() * v.doubleValue()).sum();
            assertThat(norm)
                    .as("unit vector")
                    .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        }
        assertThat(send(json("/search", "{\"query\":{\"id\":\"a\"}}", WRITE_TOKEN)).statusCode())
                .isEqualTo(404);
    }

    @Test
    void uploadsAreBoundedByTheFetchLimitAndJsonByTheApiLimit() throws Exception {
        byte[] tooLarge = new byte[150 * 1024];
        assertProblem(
                send(raw("/search", tooLarge, "image/jpeg", READ_TOKEN)), 413, "image-too-large");
        assertProblem(
                send(raw("/embed", tooLarge, "application/octet-stream", READ_TOKEN)),
                413,
                "image-too-large");
        assertProblem(send(multipart(tooLarge, READ_TOKEN)), 413, "image-too-large");
        // Past the image limit and its envelope: refused from Content-Length before anything is
        // read.
        assertProblem(
                send(raw("/search", new byte[200 * 1024], "image/jpeg", READ_TOKEN)), 413, null);
        // Above the 64 KB JSON limit but within the image limit: read, and refused as no image.
        byte[] notAnImage = "not an image ".repeat(7000).getBytes(StandardCharsets.UTF_8);
        assertProblem(
                send(raw("/embed", notAnImage, "image/jpeg", READ_TOKEN)),
                422,
                "image-undecodable");
        String bigJson = "{\"query\":{\"id\":\"" + "a".repeat(70 * 1024) + "\"}}";
        assertProblem(send(json("/search", bigJson, READ_TOKEN)), 413, null);
    }

    private static byte[] jpeg() {
        return ProductImageGenerator.jpeg(
                ProductImageGenerator.render(ProductImageGenerator.catalogueSpec(5), 96), 0.85f);
    }

    private HttpRequest json(String path, String body, String token) {
        return raw(path, body.getBytes(StandardCharsets.UTF_8), "application/json", token);
    }

    private HttpRequest raw(String path, byte[] body, String type, String token) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", type)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }

    private HttpRequest multipart(byte[] image, String token) throws Exception {
        String boundary = "fsb-boundary-91";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"q.jpg\"\r\n"
                                + "Content-Type: image/jpeg\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8));
        body.write(image);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return raw(
                "/search", body.toByteArray(), "multipart/form-data; boundary=" + boundary, token);
    }

    private HttpRequest get(String path, String token) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .startsWith("application/problem+json");
        if (type != null) {
            assertThat(response.body())
                    .contains("\"type\":\"https://faiss-shard-builder.dev/problems/" + type + "\"");
        }
    }
}
