package dev.faissshard.security;

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
import org.apache.catalina.connector.Connector;
import org.apache.coyote.AbstractProtocol;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * No token configured, no {@code server.address}: the server listens on 127.0.0.1 only, every local
 * caller may do everything (the quick start's unauthenticated POST works), and browsers and rebound
 * host names are kept out.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class AnonymousLoopbackTests {

    @LocalServerPort int port;

    @Autowired WebServerApplicationContext context;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws Exception {
        Path root = Files.createTempDirectory("anonymous");
        Path catalogue = Files.writeString(root.resolve("empty.csv"), "id,image_url\n");
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
    }

    @Test
    void withoutTokensTheServerListensOnLoopbackOnly() {
        Connector connector = ((TomcatWebServer) context.getWebServer()).getTomcat().getConnector();
        InetAddress address = ((AbstractProtocol<?>) connector.getProtocolHandler()).getAddress();
        assertThat(address).isNotNull();
        assertThat(address.getHostAddress()).isEqualTo("127.0.0.1");
    }

    @Test
    void aLocalCallerMayStartJobsWithoutATokenAndSeesHealthDetails() throws Exception {
        HttpResponse<String> start =
                http.send(
                        HttpRequest.newBuilder(uri("/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"prefix\":\"local\"}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(start.statusCode()).as(start.body()).isEqualTo(202);
        HttpResponse<String> health =
                http.send(
                        HttpRequest.newBuilder(uri("/actuator/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(health.body()).contains("\"storage\"").contains("\"details\"");
    }

    @Test
    void aWebPageOfAnotherOriginIsRefused() throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(uri("/jobs"))
                                .header("Origin", "https://evil.example")
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body())
                .contains("https://faiss-shard-builder.dev/problems/non-local-request");
    }

    @Test
    void aRequestForAnotherHostNameIsRefused() throws Exception {
        // A DNS-rebound name reaches 127.0.0.1 with the attacker's host name; the JDK client will
        // not send a
        // foreign Host header, so this speaks HTTP by hand.
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = socket.getOutputStream();
            out.write(
                    "GET /jobs HTTP/1.1\r\nHost: rebound.example:8080\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 403").contains("non-local-request");
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
