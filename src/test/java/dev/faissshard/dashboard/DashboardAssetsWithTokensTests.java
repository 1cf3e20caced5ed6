package dev.faissshard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With tokens configured, anyone may load the dashboard's page, script and style (they hold no
 * data), under a Content-Security-Policy that allows no inline script; the data behind it still
 * needs a token, and only the dashboard's own folder is served as static content.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardAssetsWithTokensTests {

    private static final String READ_TOKEN = "read-4f1c9a7e2b8d6035";

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws Exception {
        Path root = Files.createTempDirectory("dashboard-tokens");
        Path catalogue = Files.writeString(root.resolve("empty.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("server.address", () -> "127.0.0.1");
        registry.add(
                "fsb.security.api-tokens",
                () -> "read:" + READ_TOKEN + ",write:write-93be0c1d7a6f5e24");
    }

    @Test
    void pageScriptAndStyleLoadWithoutATokenUnderAStrictPolicy() throws Exception {
        for (String asset : new String[] {"index.html", "dashboard.js", "dashboard.css"}) {
            HttpResponse<String> response = get("/dashboard/" + asset, null);
            assertThat(response.statusCode()).as(asset).isEqualTo(200);
            String policy = response.headers().firstValue("Content-Security-Policy").orElseThrow();
            assertThat(policy)
                    .contains("script-src 'self'", "default-src 'none'", "frame-ancestors 'none'")
                    .doesNotContain("unsafe-inline", "unsafe-eval", "*");
        }
        assertThat(
                        get("/dashboard/index.html", null)
                                .headers()
                                .firstValue("Content-Type")
                                .orElseThrow())
                .startsWith("text/html");
        assertThat(
                        get("/dashboard/dashboard.js", null)
                                .headers()
                                .firstValue("Content-Type")
                                .orElseThrow())
                .contains("javascript");
    }

    @Test
    void thePageCarriesNoInlineScriptOrStyle() throws Exception {
        String page = get("/dashboard/index.html", null).body();
        assertThat(page).containsPattern("<script src=\"dashboard.js\"");
        assertThat(page)
                .doesNotContainPattern("<script(?![^>]*\\bsrc=)[^>]*>")
                .doesNotContain("style=\"")
                .doesNotContainPattern("\\son[a-z]+=");
    }

    @Test
    void theDashboardPathRedirectsToThePage() throws Exception {
        HttpResponse<String> response = get("/dashboard", null);
        assertThat(response.statusCode()).isEqualTo(302);
        assertThat(response.headers().firstValue("Location").orElseThrow())
                .endsWith("/dashboard/index.html");
    }

    @Test
    void theJobsBehindThePageStillNeedAToken() throws Exception {
        assertThat(get("/jobs", null).statusCode()).isEqualTo(401);
        assertThat(get("/jobs", READ_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void nothingOutsideTheDashboardFolderIsServedAsStaticContent() throws Exception {
        assertThat(get("/dashboard/../application.yml", READ_TOKEN).statusCode()).isIn(400, 404);
        assertThat(get("/static/dashboard/index.html", READ_TOKEN).statusCode()).isEqualTo(404);
        assertThat(get("/index.html", READ_TOKEN).statusCode()).isEqualTo(404);
        assertThat(get("/dashboard/missing.js", null).statusCode()).isIn(401, 404);
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
