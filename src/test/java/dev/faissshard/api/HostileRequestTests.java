package dev.faissshard.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The API as a hostile caller meets it, over real HTTP, with tokens configured and Actuator's
 * {@code env} and {@code configprops} exposed with {@code show-values=always}: every answer is a
 * problem with a stable type, and no token, secret or piece of the request body comes back.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "management.endpoints.web.exposure.include=health,info,metrics,prometheus,jobs,env,configprops",
            "management.endpoint.env.show-values=always",
            "management.endpoint.configprops.show-values=always"
        })
@Import(HostileRequestTests.Failing.class)
class HostileRequestTests {

    static final String WRITE_TOKEN = "w7Kq2ZxP9vLm4Tn8Rb3Yc6Hd1Fg5Js0A";
    static final String READ_TOKEN = "r4Nh8Qe2Wu6Io1Pa9Sd3Fg7Jk5Lz0Xc";
    static final String SUPABASE_KEY = "sb-secret-key-CANARY-5f3e9a";
    static final String DB_PASSWORD = "db-password-CANARY-81c2";
    static final String BODY_CANARY = "BODY-CANARY-7d1e";
    static final List<String> SECRETS = List.of(WRITE_TOKEN, READ_TOKEN, SUPABASE_KEY, DB_PASSWORD);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws Exception {
        Path root = Files.createTempDirectory("hostile");
        Path catalogue = Files.writeString(root.resolve("empty.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add(
                "fsb.security.api-tokens", () -> "write:" + WRITE_TOKEN + ",read:" + READ_TOKEN);
        registry.add("fsb.supabase.key", () -> SUPABASE_KEY);
        registry.add("fsb.catalog.postgres.password", () -> DB_PASSWORD);
        registry.add(
                "fsb.catalog.postgres.url",
                () -> "postgresql://builder:" + DB_PASSWORD + "@db.invalid:5432/postgres");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/jobs",
                "/jobs/some-id",
                "/actuator/metrics",
                "/actuator/jobs",
                "/actuator/prometheus",
                "/actuator/env",
                "/actuator/configprops",
                "/actuator/health",
                "/actuator",
                "/no-such-path"
            })
    void withoutTokenEveryPathButTheProbesIsAnAuthenticationProblem(String path) throws Exception {
        HttpResponse<String> response = send(get(path));
        assertProblem(response, 401, "authentication-required");
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer");
        assertThat(response.body()).doesNotContain("\"components\"").doesNotContain("\"storage\"");
    }

    @Test
    void withoutTokenPostingAJobIsAnAuthenticationProblem() throws Exception {
        assertProblem(send(post("/jobs", "{}")), 401, "authentication-required");
        assertProblem(send(post("/jobs/some-id/cancel", "")), 401, "authentication-required");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "Bearer w7Kq2ZxP9vLm4Tn8Rb3Yc6Hd1Fg5Js0B",
                "Bearer " + WRITE_TOKEN + "x",
                "Bearer short",
                "Bearer two words",
                "bearer "
            })
    void aWrongOrMalformedTokenIsAnInvalidTokenProblem(String authorization) throws Exception {
        HttpResponse<String> response = send(get("/jobs").header("Authorization", authorization));
        assertProblem(response, 401, "invalid-token");
        assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
                .startsWith("Bearer")
                .contains("invalid_token");
    }

    @Test
    void aReadTokenMayGetButNotStartOrSteerJobs() throws Exception {
        assertThat(send(get("/jobs").header("Authorization", "Bearer " + READ_TOKEN)).statusCode())
                .isEqualTo(200);
        assertThat(
                        send(get("/actuator/jobs").header("Authorization", "Bearer " + READ_TOKEN))
                                .statusCode())
                .isEqualTo(200);
        HttpResponse<String> start =
                send(post("/jobs", "{}").header("Authorization", "Bearer " + READ_TOKEN));
        assertProblem(start, 403, "insufficient-role");
        assertThat(start.headers().firstValue("WWW-Authenticate").orElseThrow())
                .contains("insufficient_scope");
        assertProblem(
                send(
                        post("/jobs/some-id/cancel", "")
                                .header("Authorization", "Bearer " + READ_TOKEN)),
                403,
                "insufficient-role");
    }

    @Test
    void aWriteTokenMayStartAndSteerJobs() throws Exception {
        HttpResponse<String> start = send(write(post("/jobs", "{\"prefix\":\"written\"}")));
        assertThat(start.statusCode()).as(start.body()).isEqualTo(202);
        String location = start.headers().firstValue("Location").orElseThrow();
        assertThat(send(read(get(location))).statusCode()).isEqualTo(200);
        // Reaching the job's state machine is enough: the empty catalogue may have finished
        // already.
        assertThat(send(write(post(location + "/cancel", ""))).statusCode()).isIn(200, 409);
    }

    @Test
    void probesAreOpenAndShowNoDetails() throws Exception {
        for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
            HttpResponse<String> response = send(get(probe));
            assertThat(response.statusCode()).as(probe).isEqualTo(200);
            assertThat(json(response)).containsOnlyKeys("status");
        }
    }

    @Test
    void healthDetailsNeedAToken() throws Exception {
        assertProblem(send(get("/actuator/health")), 401, "authentication-required");
        HttpResponse<String> withToken = send(read(get("/actuator/health")));
        assertThat(withToken.statusCode()).isEqualTo(200);
        assertThat(withToken.body())
                .contains("\"storage\"")
                .contains("\"models\"")
                .contains("\"details\"");
    }

    @Test
    void secretsAreMaskedInEnvAndConfigpropsDespiteShowValuesAlways() throws Exception {
        for (String path :
                List.of(
                        "/actuator/env",
                        "/actuator/configprops",
                        "/actuator/env/fsb.supabase.key",
                        "/actuator/env/fsb.security.api-tokens",
                        "/actuator/env/fsb.catalog.postgres.password",
                        "/actuator/env/fsb.catalog.postgres.url")) {
            HttpResponse<String> response = send(read(get(path)));
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body()).as(path).contains("******");
            assertNoSecret(response);
        }
        // show-values=always is in effect: an ordinary value is shown (a record default, bound but
        // in no
        // property source since application.yml no longer restates defaults, shows in configprops).
        assertThat(send(read(get("/actuator/configprops/fsb.job"))).body())
                .contains("\"batchSize\":256");
    }

    @Test
    void anUnknownFieldIsRefusedByName() throws Exception {
        HttpResponse<String> response =
                send(write(post("/jobs", "{\"batchsize\":3,\"retryFailures\":false}")));
        assertProblem(response, 400, "invalid-request");
        assertThat(fields(response)).containsExactly("batchsize");
        assertThat(response.body()).contains("batchSize");

        HttpResponse<String> nested =
                send(
                        write(
                                post(
                                        "/jobs",
                                        "{\"catalog\":{\"location\":\"x.csv\",\"secret\":\""
                                                + BODY_CANARY
                                                + "\"}}")));
        assertProblem(nested, 400, "invalid-request");
        assertThat(fields(nested)).containsExactly("catalog.secret");
        assertThat(nested.body()).doesNotContain(BODY_CANARY);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"batchSize\":1.5}                        | batchSize",
                "{\"batchSize\":\"16\"}                     | batchSize",
                "{\"retryFailures\":1}                      | retryFailures",
                "{\"retryFailures\":\"true\"}               | retryFailures",
                "{\"prefix\":123}                           | prefix",
                "{\"prefix\":true}                          | prefix",
                "{\"limit\":\"5\"}                          | limit",
                "{\"indexTypes\":[0]}                       | indexTypes[0]",
                "{\"indexTypes\":\"color\"}                 | indexTypes",
                "{\"catalog\":{\"location\":424242}}        | catalog.location",
                "{\"partition\":{\"index\":1.0,\"count\":3}} | partition.index",
                "{\"partition\":{\"count\":3}}              | partition.index"
            })
    void aValueOfAnotherJsonTypeIsNotCoerced(String body, String field) throws Exception {
        HttpResponse<String> response = send(write(post("/jobs", body)));
        assertProblem(response, 400, "invalid-request");
        assertThat(fields(response)).containsExactly(field);
        assertThat(response.body())
                .doesNotContain("1.5")
                .doesNotContain("424242")
                .doesNotContain("dev.faissshard")
                .doesNotContain("Exception");
    }

    @Test
    void anUnknownEnumValueIsRefusedByNameWithTheAcceptedValues() throws Exception {
        HttpResponse<String> response =
                send(write(post("/jobs", "{\"indexTypes\":[\"color\",\"" + BODY_CANARY + "\"]}")));
        assertProblem(response, 400, "invalid-request");
        assertThat(fields(response)).containsExactly("indexTypes[1]");
        assertThat(response.body())
                .contains("color, structure, combined")
                .doesNotContain(BODY_CANARY);
        HttpResponse<String> catalogType =
                send(
                        write(
                                post(
                                        "/jobs",
                                        "{\"catalog\":{\"type\":\""
                                                + BODY_CANARY
                                                + "\",\"location\":\"x.csv\"}}")));
        assertProblem(catalogType, 400, "invalid-request");
        assertThat(fields(catalogType)).containsExactly("catalog.type");
        assertThat(catalogType.body()).contains("csv").doesNotContain(BODY_CANARY);
    }

    @Test
    void aProblemIsAnsweredEvenToAClientThatAcceptsOnlyHtml() throws Exception {
        HttpResponse<String> response =
                send(read(get("/no-such-path")).header("Accept", "text/html"));
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("https://faiss-shard-builder.dev/problems/not-found");
        assertNoSecret(response);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"batchSize\":99999999999}               | batchSize",
                "{\"limit\":99999999999999999999999}       | limit",
                "{\"limit\":1e400}                         | limit",
                "{\"partition\":{\"index\":0,\"count\":99999999999}} | partition.count"
            })
    void aNumberOutOfRangeIsRefusedByName(String body, String field) throws Exception {
        HttpResponse<String> response = send(write(post("/jobs", body)));
        assertProblem(response, 400, "invalid-request");
        assertThat(fields(response)).containsExactly(field);
        assertThat(response.body()).doesNotContain("99999999999").doesNotContain("1e400");
    }

    @Test
    void anOverlongStringIsRefusedByNameWithoutEchoingIt() throws Exception {
        String location = "/tmp/" + BODY_CANARY + "a".repeat(5000);
        HttpResponse<String> response =
                send(write(post("/jobs", "{\"catalog\":{\"location\":\"" + location + "\"}}")));
        assertProblem(response, 400, "invalid-request");
        assertThat(fields(response)).containsExactly("catalog.location");
        assertThat(response.body()).doesNotContain(BODY_CANARY).doesNotContain("aaaa");
    }

    @Test
    void anOversizedBodyIsRefusedWith413WhetherItsLengthIsDeclaredOrChunked() throws Exception {
        String big = "{\"prefix\":\"" + BODY_CANARY + "x".repeat(70 * 1024) + "\"}";
        HttpResponse<String> declared = send(write(post("/jobs", big)));
        assertProblem(declared, 413, "payload-too-large");
        assertThat(declared.body()).doesNotContain(BODY_CANARY);

        HttpResponse<String> chunked =
                send(
                        write(
                                HttpRequest.newBuilder(uri("/jobs"))
                                        .header("Content-Type", "application/json")
                                        .POST(
                                                HttpRequest.BodyPublishers.ofInputStream(
                                                        () ->
                                                                new ByteArrayInputStream(
                                                                        big.getBytes(
                                                                                StandardCharsets
                                                                                        .UTF_8))))));
        assertProblem(chunked, 413, "payload-too-large");
        assertThat(chunked.body()).doesNotContain(BODY_CANARY);
    }

    @Test
    void malformedJsonIsAProblemWithoutItsContent() throws Exception {
        HttpResponse<String> response =
                send(write(post("/jobs", "{\"prefix\": " + BODY_CANARY + "}")));
        assertProblem(response, 400, "invalid-request");
        assertThat(response.body()).doesNotContain(BODY_CANARY);
        assertProblem(
                send(write(post("/jobs", "{\"prefix\":\"a\",\"prefix\":\"b\"}"))),
                400,
                "invalid-request");
        assertProblem(send(write(post("/jobs", "{} {}"))), 400, "invalid-request");
    }

    @Test
    void unknownPathsWrongMethodsAndMediaTypesAreProblems() throws Exception {
        assertProblem(send(read(get("/no-such-path"))), 404, "not-found");
        assertProblem(
                send(write(HttpRequest.newBuilder(uri("/jobs")).DELETE())),
                405,
                "method-not-allowed");
        HttpResponse<String> text =
                send(
                        write(
                                HttpRequest.newBuilder(uri("/jobs"))
                                        .header("Content-Type", "text/plain")
                                        .POST(HttpRequest.BodyPublishers.ofString(BODY_CANARY))));
        assertProblem(text, 415, "unsupported-media-type");
        assertThat(text.body()).doesNotContain(BODY_CANARY);
    }

    @Test
    void anUnexpectedFailureIsAnInternalErrorProblemWithAnIdAndNothingElse() throws Exception {
        HttpResponse<String> response = send(read(get("/test/failing")));
        assertProblem(response, 500, "internal-error");
        Map<String, Object> problem = json(response);
        assertThat(problem.get("errorId").toString()).matches("[0-9a-f-]{36}");
        assertThat(problem.get("detail").toString()).contains(problem.get("errorId").toString());
        assertThat(response.body())
                .doesNotContain(Failing.MESSAGE)
                .doesNotContain("IllegalStateException")
                .doesNotContain("at dev.")
                .doesNotContain("trace");
    }

    private void assertProblem(HttpResponse<String> response, int status, String type) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("application/problem+json");
        Map<String, Object> problem = json(response);
        assertThat(problem.get("type"))
                .isEqualTo("https://faiss-shard-builder.dev/problems/" + type);
        assertThat(problem.get("status")).isEqualTo(status);
        assertNoSecret(response);
    }

    private static void assertNoSecret(HttpResponse<String> response) {
        for (String secret : SECRETS) {
            assertThat(response.body()).doesNotContain(secret);
            response.headers()
                    .map()
                    .values()
                    .forEach(values -> assertThat(values.toString()).doesNotContain(secret));
        }
    }

    @SuppressWarnings("unchecked")
    private static List<String> fields(HttpResponse<String> response) {
        List<Map<String, Object>> errors = (List<Map<String, Object>>) json(response).get("errors");
        assertThat(errors).as(response.body()).isNotNull();
        return errors.stream().map(error -> (String) error.get("field")).toList();
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(uri(path)).GET();
    }

    private HttpRequest.Builder post(String path, String body) {
        return HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    private static HttpRequest.Builder read(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + READ_TOKEN);
    }

    private static HttpRequest.Builder write(HttpRequest.Builder request) {
        return request.header("Authorization", "Bearer " + WRITE_TOKEN);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> response) {
        return JSON.readValue(response.body(), Map.class);
    }

    /** Fails the way a bug would: an unchecked exception whose message quotes something private. */
    @RestController
    static class Failing {

        static final String MESSAGE = "FAILURE-CANARY /etc/shadow first line";

        @GetMapping("/test/failing")
        String fail() {
            throw new IllegalStateException(MESSAGE);
        }
    }
}
