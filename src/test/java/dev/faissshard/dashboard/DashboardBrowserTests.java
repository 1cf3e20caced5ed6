package dev.faissshard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard in a real browser: Debian's chromium, driven by playwright-core ({@code
 * src/test/browser/dashboard.test.mjs}), against the real service on loopback with API tokens,
 * building a real index of the bundled sample images (repeated under distinct ids, so the build
 * lasts long enough to be paused). The script enters the token, starts a build, watches the bar
 * advance, pauses, sees the bar stand still, resumes and waits for the end, then searches the index
 * from the search box by id and by an uploaded image and waits for the results' thumbnails to
 * render; this test then checks what it saw against the API. Screenshots stay in {@code
 * target/browser-artifacts/}.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardBrowserTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String WRITE_TOKEN = "write-7c2e9f41b5a80d63";
    private static final Path BROWSER_TESTS = Path.of("src/test/browser");
    private static final Path ARTIFACTS = Path.of("target/browser-artifacts");
    private static final int ROWS = 1200;
    private static final String SEARCH_ID = "sku-3";
    private static final Path SEARCH_IMAGE = Path.of("samples/images/000002-red-square.jpg");

    private static int sampleCount;

    @LocalServerPort int port;

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("dashboard-browser");
        Path images = Path.of("samples/images").toAbsolutePath().toRealPath();
        List<Path> samples;
        try (var files = Files.list(images)) {
            samples = files.filter(file -> file.toString().endsWith(".jpg")).sorted().toList();
        }
        assertThat(samples).as("sample images").isNotEmpty();
        sampleCount = samples.size();
        List<String> lines = new ArrayList<>(List.of("id,image_url"));
        for (int i = 0; i < ROWS; i++) {
            lines.add("sku-" + i + "," + samples.get(i % samples.size()).toUri());
        }
        Path catalogue = Files.write(root.resolve("catalog.csv"), lines);
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.fetch.files.roots", images::toString);
        registry.add("fsb.job.batch-size", () -> "8");
        registry.add("server.address", () -> "127.0.0.1");
        registry.add("fsb.security.api-tokens", () -> "write:" + WRITE_TOKEN);
    }

    @Test
    void startWatchPauseResumeFromThePage() throws Exception {
        assertThat(BROWSER_TESTS.resolve("node_modules/playwright-core"))
                .as("playwright-core (scripts/install-deps.sh runs npm ci in src/test/browser)")
                .isDirectory();
        assertThat(Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium")))
                .as("Debian's chromium (scripts/install-deps.sh installs it)")
                .isExecutable();
        Files.createDirectories(ARTIFACTS);
        Path log = ARTIFACTS.resolve("dashboard.test.log");
        ProcessBuilder node =
                new ProcessBuilder("node", "dashboard.test.mjs")
                        .directory(BROWSER_TESTS.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(log.toFile());
        node.environment().put("FSB_BASE_URL", "http://127.0.0.1:" + port);
        node.environment().put("FSB_TOKEN", WRITE_TOKEN);
        node.environment().put("FSB_ARTIFACTS", ARTIFACTS.toAbsolutePath().toString());
        node.environment().put("FSB_SEARCH_ID", SEARCH_ID);
        node.environment().put("FSB_SEARCH_IMAGE", SEARCH_IMAGE.toAbsolutePath().toString());
        Process process = node.start();
        if (!process.waitFor(15, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
            throw new AssertionError(
                    "browser test still running after 15 minutes:\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        assertThat(process.exitValue()).as(output).isZero();
        String line =
                output.lines()
                        .filter(l -> l.startsWith("RESULT "))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError("no RESULT line in:\n" + output));
        Map<?, ?> seen = JSON.readValue(line.substring("RESULT ".length()), Map.class);

        assertThat(seen.get("problems"))
                .as("console errors and page errors (CSP violations among them)")
                .isEqualTo(List.of());
        assertThat((String) seen.get("landed")).endsWith("/dashboard/index.html");

        // The token lives in this tab's sessionStorage, nowhere else, and never in a URL.
        Map<?, ?> storage = (Map<?, ?>) seen.get("storage");
        assertThat(storage.get("session")).isEqualTo(WRITE_TOKEN);
        assertThat(storage.get("localKeys")).isEqualTo(List.of());
        assertThat(storage.get("cookies")).isEqualTo("");
        assertThat(seen.get("tokenInInput")).isEqualTo("");
        assertThat(seen.get("urlsSeen").toString()).doesNotContain(WRITE_TOKEN);

        // The bar advanced, then stood still while paused, then reached the end.
        long total = number(seen, "total");
        assertThat(total).isEqualTo(ROWS);
        long first = number(seen, "firstDone");
        long paused = number(seen, "pausedDone");
        assertThat(first).isPositive();
        assertThat(paused).isGreaterThan(first).isLessThan(total);
        assertThat(number(seen, "pausedDoneLater")).isEqualTo(paused);
        Map<?, ?> firstBar = (Map<?, ?>) seen.get("firstBar");
        Map<?, ?> laterBar = (Map<?, ?>) seen.get("laterBar");
        assertThat(((Number) firstBar.get("max")).longValue()).isEqualTo(total);
        assertThat(((Number) laterBar.get("value")).doubleValue())
                .isGreaterThan(((Number) firstBar.get("value")).doubleValue());
        assertThat(seen.get("resumeEnabled")).isEqualTo(true);
        assertThat(seen.get("pauseEnabledWhilePaused")).isEqualTo(false);
        assertThat(Double.parseDouble((String) seen.get("rateText"))).isPositive();
        assertThat((String) seen.get("etaText")).matches("\\d+ (s|min \\d+ s|h \\d+ min)");
        Map<?, ?> finalBar = (Map<?, ?>) seen.get("finalBar");
        assertThat(((Number) finalBar.get("value")).longValue()).isEqualTo(total);
        assertThat(number(seen, "finalDone")).isEqualTo(total);
        assertThat(number(seen, "buttonsAfterEnd")).isZero();

        // What the page showed per index type is what the API says the job stored.
        Map<?, ?> job = JSON.readValue(get("/jobs/" + seen.get("jobId")), Map.class);
        assertThat(job.get("state")).isEqualTo("SUCCEEDED");
        Map<?, ?> counts = (Map<?, ?>) job.get("counts");
        assertThat(((Number) counts.get("embedded")).longValue()).isEqualTo(ROWS);
        List<?> rows = (List<?>) seen.get("typeRows");
        assertThat(rows).hasSize(3);
        for (Object row : rows) {
            Map<?, ?> shown = (Map<?, ?>) row;
            Map<?, ?> index = (Map<?, ?>) ((Map<?, ?>) job.get("indexes")).get(shown.get("type"));
            assertThat(((Number) shown.get("vectors")).longValue())
                    .as("vectors of %s", shown.get("type"))
                    .isEqualTo(((Number) index.get("vectors")).longValue())
                    .isEqualTo(ROWS);
        }

        // The search box: the page lists what the search API answers for the same query, in its
        // order, with each result's thumbnail rendered from a blob: URL.
        Map<?, ?> search = (Map<?, ?>) seen.get("search");
        String byId =
                post(
                        "/search",
                        "{\"query\":{\"id\":\""
                                + SEARCH_ID
                                + "\"},\"types\":[\"combined\"],\"k\":5}");
        assertShownAsAnswered((List<?>) search.get("byId"), byId);
        assertShownAsAnswered((List<?>) search.get("byImage"), searchByImage());
        assertThat(ARTIFACTS.resolve("dashboard-search.png")).isNotEmptyFile();

        assertThat(ARTIFACTS.resolve("dashboard.png")).isNotEmptyFile();
        assertThat(ARTIFACTS.resolve("dashboard-paused.png")).isNotEmptyFile();
    }

    private static void assertShownAsAnswered(List<?> shown, String answer) {
        List<?> hits =
                (List<?>)
                        ((Map<?, ?>) JSON.readValue(answer, Map.class).get("results"))
                                .get("combined");
        assertThat(hits).isNotEmpty();
        assertThat(shown).hasSameSizeAs(hits);
        for (int i = 0; i < hits.size(); i++) {
            Map<?, ?> hit = (Map<?, ?>) hits.get(i);
            Map<?, ?> item = (Map<?, ?>) shown.get(i);
            // The catalogue repeats each sample under several ids with equal scores, and ties may
            // come in any order: each rank must show the same sample image as the API's answer.
            assertThat(sampleOf((String) item.get("id")))
                    .as("rank %d: %s against %s", i, item.get("id"), hit.get("id"))
                    .isEqualTo(sampleOf((String) hit.get("id")));
            assertThat(item.get("shownId")).isEqualTo(item.get("id"));
            assertThat(Double.parseDouble((String) item.get("score")))
                    .isCloseTo(((Number) hit.get("score")).doubleValue(), within(0.00006));
            assertThat(item.get("thumbnail"))
                    .as("thumbnail of %s", hit.get("id"))
                    .isEqualTo("loaded");
            assertThat(item.get("scheme")).isEqualTo("blob:");
            // The 256-pixel samples fit the 128-pixel box.
            assertThat(((Number) item.get("naturalWidth")).intValue()).isEqualTo(128);
            assertThat(((Number) item.get("naturalHeight")).intValue()).isEqualTo(128);
        }
    }

    private static int sampleOf(String id) {
        assertThat(id).matches("sku-\\d+");
        return Integer.parseInt(id.substring("sku-".length())) % sampleCount;
    }

    private String post(String path, String json) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private String searchByImage() throws Exception {
        return send(
                HttpRequest.newBuilder(
                                URI.create(
                                        "http://127.0.0.1:" + port + "/search?types=combined&k=5"))
                        .header("Content-Type", "image/jpeg")
                        .POST(HttpRequest.BodyPublishers.ofFile(SEARCH_IMAGE)));
    }

    private String send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                request.header("Authorization", "Bearer " + WRITE_TOKEN).build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    private static long number(Map<?, ?> seen, String key) {
        return ((Number) seen.get(key)).longValue();
    }

    private String get(String path) throws Exception {
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create("http://127.0.0.1:" + port + path))
                                        .header("Authorization", "Bearer " + WRITE_TOKEN)
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }
}
