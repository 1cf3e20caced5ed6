package dev.faissshard.admin;

import static org.assertj.core.api.Assertions.assertThat;

import de.codecentric.boot.admin.server.config.EnableAdminServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The service under a real Spring Boot Admin server (4.0, in this JVM, on loopback): with {@code
 * spring.boot.admin.client.url} and {@code fsb.admin.token} set it registers itself, and the
 * server, calling Actuator with the registered Basic credentials, sees it UP with its health
 * details, its {@code jobs} and {@code metrics} endpoints, and never shows the token.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AdminServerRegistrationTests {

    private static final String READ_TOKEN = "read-5d2a8c71e9b4f036";
    private static final String WRITE_TOKEN = "write-0b7e3f92c4a1d658";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration PATIENCE = Duration.ofSeconds(120);

    private static ConfigurableApplicationContext adminServer;
    private static String adminUrl;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    /**
     * A bare Spring Boot Admin server. Not a {@code @Configuration}, so the service's component
     * scan never picks it up.
     */
    @EnableAutoConfiguration
    @EnableAdminServer
    static class AdminServer {

        @Bean
        SecurityFilterChain openAdminServer(HttpSecurity http) throws Exception {
            return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                    .csrf(csrf -> csrf.disable())
                    .build();
        }
    }

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws Exception {
        adminServer =
                new SpringApplicationBuilder(AdminServer.class)
                        .properties(
                                // Not the service's application.yml: this is another application.
                                "spring.config.name=admin-server-test",
                                "spring.application.name=admin-server-test",
                                "server.address=127.0.0.1",
                                "server.port=0",
                                "spring.boot.admin.monitor.status-interval=2s",
                                "spring.boot.admin.monitor.info-interval=2s",
                                "spring.thymeleaf.check-template-location=false")
                        .run();
        adminUrl =
                "http://127.0.0.1:" + adminServer.getEnvironment().getProperty("local.server.port");
        Path root = Files.createTempDirectory("admin-registration");
        Path catalogue = Files.writeString(root.resolve("empty.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("server.address", () -> "127.0.0.1");
        registry.add(
                "fsb.security.api-tokens", () -> "read:" + READ_TOKEN + ",write:" + WRITE_TOKEN);
        registry.add("fsb.admin.token", () -> READ_TOKEN);
        registry.add("spring.boot.admin.client.url", () -> adminUrl);
        registry.add("spring.boot.admin.client.period", () -> "2s");
        // A loaded machine can take seconds for the first request of a fresh server.
        registry.add("spring.boot.admin.client.read-timeout", () -> "30s");
        registry.add("spring.boot.admin.client.instance.service-host-type", () -> "IP");
    }

    @AfterAll
    static void stopAdminServer() {
        if (adminServer != null) {
            adminServer.close();
        }
    }

    @Test
    void registersItselfAndIsUpWithDetailsJobsAndMetricsWithoutShowingTheToken() throws Exception {
        JsonNode instance = awaitInstanceUp();
        assertThat(instance.at("/registration/serviceUrl").asString())
                .isEqualTo("http://127.0.0.1:" + port + "/");
        // Health details are shown to token holders only: the server authenticated.
        JsonNode details = instance.at("/statusInfo/details");
        assertThat(details.has("storage")).as(details.toString()).isTrue();
        assertThat(details.has("models")).as(details.toString()).isTrue();
        List<String> endpoints =
                instance.get("endpoints").valueStream().map(e -> e.get("id").asString()).toList();
        assertThat(endpoints).contains("health", "info", "metrics", "prometheus", "jobs");

        String id = instance.get("id").asString();
        HttpResponse<String> jobs = get(adminUrl + "/instances/" + id + "/actuator/jobs", null);
        assertThat(jobs.statusCode()).as(jobs.body()).isEqualTo(200);
        assertThat(JSON.readTree(jobs.body()).isArray()).isTrue();
        HttpResponse<String> metrics =
                get(adminUrl + "/instances/" + id + "/actuator/metrics", null);
        assertThat(metrics.statusCode()).as(metrics.body()).isEqualTo(200);
        assertThat(JSON.readTree(metrics.body()).get("names").valueStream().map(JsonNode::asString))
                .anyMatch(name -> name.startsWith("fsb."));

        String everything = get(adminUrl + "/instances", null).body();
        assertThat(everything).doesNotContain(READ_TOKEN);
        assertThat(instance.at("/registration/metadata/user.name").asString())
                .isEqualTo("spring-boot-admin");
        assertThat(instance.at("/registration/metadata/user.password").asString())
                .isNotEqualTo(READ_TOKEN)
                .isNotBlank();
    }

    @Test
    void actuatorTakesATokenAsBasicPasswordButTheApiDoesNot() throws Exception {
        String base = "http://127.0.0.1:" + port;
        assertThat(get(base + "/actuator/jobs", basic(READ_TOKEN)).statusCode()).isEqualTo(200);
        assertThat(get(base + "/actuator/jobs", basic("read-0000000000000000x")).statusCode())
                .isEqualTo(401);
        assertThat(get(base + "/actuator/jobs", "Basic %%%").statusCode()).isEqualTo(401);
        // The control API knows bearer tokens only: Basic there is no authentication at all.
        assertThat(get(base + "/jobs", basic(WRITE_TOKEN)).statusCode()).isEqualTo(401);
        assertThat(get(base + "/jobs", "Bearer " + READ_TOKEN).statusCode()).isEqualTo(200);
    }

    private JsonNode awaitInstanceUp() throws Exception {
        Instant deadline = Instant.now().plus(PATIENCE);
        String last = "";
        while (Instant.now().isBefore(deadline)) {
            HttpResponse<String> response = get(adminUrl + "/instances", null);
            last = response.body();
            if (response.statusCode() == 200) {
                for (JsonNode instance : JSON.readTree(last)) {
                    if (instance.at("/registration/name").asString().equals("faiss-shard-builder")
                            && instance.at("/statusInfo/status").asString().equals("UP")
                            && instance.get("endpoints")
                                    .valueStream()
                                    .anyMatch(e -> e.get("id").asString().equals("jobs"))) {
                        return instance;
                    }
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no UP instance within " + PATIENCE + "; last answer: " + last);
    }

    private static String basic(String token) {
        return "Basic "
                + Base64.getEncoder()
                        .encodeToString(
                                ("spring-boot-admin:" + token).getBytes(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> get(String url, String authorization) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json");
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
