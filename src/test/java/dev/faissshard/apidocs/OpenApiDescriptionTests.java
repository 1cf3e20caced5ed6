package dev.faissshard.apidocs;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI description at {@code /v3/api-docs}, read from a real started service under the roles
 * the rest of the API uses: it is OpenAPI 3.1, names every operation of the service's own
 * controllers, and lists every problem type the code answers with.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenApiDescriptionTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String READ_TOKEN = "read-0a9e8d7c6b5f4321";
    private static final String WRITE_TOKEN = "write-5d4c3b2a1f0e9d8c";

    /**
     * Where the code names a problem slug: the advice's problem(...), the error pages' table, the
     * security layer (whose arguments the formatter may put on lines of their own).
     */
    private static final Pattern SLUG_IN_CODE =
            Pattern.compile(
                    // \\s* rather than a space: the formatter may break an argument list anywhere.
                    "problem\\(\\s*HttpStatus\\.[A-Z_]+,\\s*\"([a-z0-9-]+)\"|ProblemTypes\\.of\\(\\s*\"([a-z0-9-]+)\"\\)"
                            + "|\\(\\d{3},\\s*\"([a-z0-9-]+)\",\\s*\"|HttpStatus\\.[A-Z_]+,\\s*\"([a-z0-9-]+)\",\\s*\"");

    @LocalServerPort int port;

    @Autowired
    @Qualifier("requestMappingHandlerMapping")
    RequestMappingHandlerMapping mappings;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws Exception {
        Path root = Files.createTempDirectory("openapi");
        Path catalogue = Files.writeString(root.resolve("empty.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("server.address", () -> "127.0.0.1");
        registry.add(
                "fsb.security.api-tokens", () -> "read:" + READ_TOKEN + ",write:" + WRITE_TOKEN);
    }

    @Test
    void theDescriptionIsOpenApi31AndNeedsTheReadRole() throws Exception {
        assertThat(get("/v3/api-docs", null).statusCode()).isEqualTo(401);
        HttpResponse<String> docs = get("/v3/api-docs", READ_TOKEN);
        assertThat(docs.statusCode()).isEqualTo(200);
        // Kept as a build artefact for readers of a CI run.
        Files.writeString(
                Files.createDirectories(Path.of("target")).resolve("openapi.json"), docs.body());
        Map<?, ?> openApi = JSON.readValue(docs.body(), Map.class);
        assertThat((String) openApi.get("openapi")).startsWith("3.1.");
        Map<?, ?> schemes =
                (Map<?, ?>) ((Map<?, ?>) openApi.get("components")).get("securitySchemes");
        assertThat(((Map<?, ?>) schemes.get(OpenApiConfiguration.BEARER)).get("scheme"))
                .isEqualTo("bearer");
    }

    @Test
    void everyControllerMappingIsDescribed() throws Exception {
        Map<?, ?> paths =
                (Map<?, ?>)
                        JSON.readValue(get("/v3/api-docs", READ_TOKEN).body(), Map.class)
                                .get("paths");
        Set<String> expected = new TreeSet<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> mapping :
                mappings.getHandlerMethods().entrySet()) {
            Class<?> controller = mapping.getValue().getBeanType();
            // The error controller answers failed requests of every path; it is not an operation.
            if (!controller.getPackageName().startsWith("dev.faissshard")
                    || ErrorController.class.isAssignableFrom(controller)) {
                continue;
            }
            Set<String> patterns = mapping.getKey().getPatternValues();
            Set<RequestMethod> methods = mapping.getKey().getMethodsCondition().getMethods();
            for (String pattern : patterns) {
                for (RequestMethod method : methods) {
                    // OpenAPI has no catch-all segment: Spring's {*prefix} is described as
                    // {prefix}.
                    expected.add(
                            method.name().toLowerCase(Locale.ROOT)
                                    + " "
                                    + pattern.replace("{*", "{"));
                }
            }
        }
        assertThat(expected)
                .as("the service's own mappings")
                .contains("post /jobs", "get /jobs/{id}", "post /jobs/{id}/pause");
        Set<String> described = new HashSet<>();
        paths.forEach(
                (path, operations) ->
                        ((Map<?, ?>) operations)
                                .keySet()
                                .forEach(method -> described.add(method + " " + path)));
        assertThat(described).containsAll(expected);
    }

    @Test
    void everyOperationAnswersWithProblemDetails() throws Exception {
        Map<?, ?> paths =
                (Map<?, ?>)
                        JSON.readValue(get("/v3/api-docs", READ_TOKEN).body(), Map.class)
                                .get("paths");
        Map<?, ?> start = (Map<?, ?>) ((Map<?, ?>) paths.get("/jobs")).get("post");
        Map<?, ?> responses = (Map<?, ?>) start.get("responses");
        for (String status : List.of("400", "401", "403", "default")) {
            Map<?, ?> content = (Map<?, ?>) ((Map<?, ?>) responses.get(status)).get("content");
            assertThat(content.keySet())
                    .as("response %s", status)
                    .map(String::valueOf)
                    .contains("application/problem+json");
        }
    }

    @Test
    void everyProblemTypeOfTheCodeIsListed() throws Exception {
        Map<?, ?> schemas =
                (Map<?, ?>)
                        ((Map<?, ?>)
                                        JSON.readValue(
                                                        get("/v3/api-docs", READ_TOKEN).body(),
                                                        Map.class)
                                                .get("components"))
                                .get("schemas");
        Map<?, ?> type =
                (Map<?, ?>)
                        ((Map<?, ?>)
                                        ((Map<?, ?>)
                                                        schemas.get(
                                                                OpenApiConfiguration
                                                                        .PROBLEM_SCHEMA))
                                                .get("properties"))
                                .get("type");
        List<?> listed = (List<?>) type.get("enum");

        Set<String> inCode = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(file -> file.toString().endsWith(".java")).toList()) {
                Matcher matcher = SLUG_IN_CODE.matcher(Files.readString(source));
                while (matcher.find()) {
                    for (int group = 1; group <= matcher.groupCount(); group++) {
                        if (matcher.group(group) != null) {
                            inCode.add(matcher.group(group));
                        }
                    }
                }
            }
        }
        assertThat(inCode)
                .as("slugs found in the code")
                .contains("job-not-found", "non-local-request", "internal-error");
        assertThat(listed.stream().map(String::valueOf).toList())
                .containsAll(
                        inCode.stream()
                                .map(slug -> "https://faiss-shard-builder.dev/problems/" + slug)
                                .toList());
    }

    /**
     * The success statuses the description documents are the ones the service answers with: each
     * call below is made for real, and its status must be documented for its operation, and {@code
     * POST /jobs} documents exactly its two (202 for a job, 200 for a dry run).
     */
    @Test
    void everyDocumentedSuccessStatusIsTheRealOne() throws Exception {
        Map<?, ?> paths =
                (Map<?, ?>)
                        JSON.readValue(get("/v3/api-docs", READ_TOKEN).body(), Map.class)
                                .get("paths");
        assertThat(successStatuses(paths, "/jobs", "post")).containsExactlyInAnyOrder("200", "202");

        HttpResponse<String> started = send("POST", "/jobs", "{}");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String id = (String) JSON.readValue(started.body(), Map.class).get("id");
        Map<String, HttpResponse<String>> calls = new java.util.LinkedHashMap<>();
        calls.put("post /jobs", started);
        calls.put("post /jobs dry run", send("POST", "/jobs", "{\"dryRun\":true}"));
        calls.put("get /jobs", get("/jobs", READ_TOKEN));
        calls.put("get /jobs/{id}", get("/jobs/" + id, READ_TOKEN));
        calls.put("get /jobs/{id}/failures", get("/jobs/" + id + "/failures", READ_TOKEN));
        calls.put("get /indexes", get("/indexes", READ_TOKEN));
        for (Map.Entry<String, HttpResponse<String>> call : calls.entrySet()) {
            String[] operation = call.getKey().split(" ");
            assertThat(successStatuses(paths, operation[1], operation[0]))
                    .as(call.getKey() + " documented")
                    .contains(String.valueOf(call.getValue().statusCode()));
        }
        assertThat(calls.get("post /jobs dry run").statusCode()).isEqualTo(200);
        // Every other operation documents one success status at most.
        paths.forEach(
                (path, operations) ->
                        ((Map<?, ?>) operations)
                                .forEach(
                                        (method, operation) -> {
                                            if (!("/jobs".equals(path) && "post".equals(method))) {
                                                assertThat(
                                                                successStatuses(
                                                                        paths,
                                                                        (String) path,
                                                                        (String) method))
                                                        .as(method + " " + path)
                                                        .hasSizeLessThanOrEqualTo(1);
                                            }
                                        }));
    }

    private static Set<String> successStatuses(Map<?, ?> paths, String path, String method) {
        Map<?, ?> operation = (Map<?, ?>) ((Map<?, ?>) paths.get(path)).get(method);
        Set<String> statuses = new TreeSet<>();
        ((Map<?, ?>) operation.get("responses"))
                .keySet()
                .forEach(
                        status -> {
                            if (String.valueOf(status).startsWith("2")) {
                                statuses.add(String.valueOf(status));
                            }
                        });
        return statuses;
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", "Bearer " + WRITE_TOKEN)
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
