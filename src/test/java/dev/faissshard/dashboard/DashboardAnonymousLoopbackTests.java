package dev.faissshard.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Without tokens, the dashboard is served on loopback like the API, and the rules that keep other
 * web pages and DNS-rebound host names out hold for it too: the page's own same-origin calls pass.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DashboardAnonymousLoopbackTests {

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws Exception {
        Path root = Files.createTempDirectory("dashboard-anonymous");
        Path catalogue = Files.writeString(root.resolve("empty.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
    }

    @Test
    void thePageLoadsOnLoopback() throws Exception {
        HttpResponse<String> page =
                http.send(
                        HttpRequest.newBuilder(uri("/dashboard/index.html")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Security-Policy")).isPresent();
    }

    @Test
    void theApiDescriptionIsReadableOnLoopbackWithoutAToken() throws Exception {
        HttpResponse<String> docs =
                http.send(
                        HttpRequest.newBuilder(uri("/v3/api-docs")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.body()).contains("\"/jobs\"");
        HttpResponse<String> ui =
                http.send(
                        HttpRequest.newBuilder(uri("/swagger-ui/index.html")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).contains("swagger-ui");
    }

    @Test
    void aReboundHostNameGetsNoDashboard() throws Exception {
        String answer = rawGet("/dashboard/index.html", "rebound.example:" + port);
        assertThat(answer)
                .startsWith("HTTP/1.1 403")
                .contains("non-local-request")
                .doesNotContain("<html");
    }

    @Test
    void thePagesOwnOriginMayStartAJobAndAnotherOriginMayNot() throws Exception {
        HttpResponse<String> own = post("http://127.0.0.1:" + port);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(202);
        HttpResponse<String> foreign = post("https://attacker.example");
        assertThat(foreign.statusCode()).isEqualTo(403);
        assertThat(foreign.body()).contains("non-local-request");
    }

    private HttpResponse<String> post(String origin) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri("/jobs"))
                        .header("Origin", origin)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String rawGet(String path, String host) throws Exception {
        // java.net.http refuses to send a foreign Host header, so this speaks HTTP by hand.
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = socket.getOutputStream();
            out.write(
                    ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
