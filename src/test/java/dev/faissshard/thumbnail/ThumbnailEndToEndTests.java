package dev.faissshard.thumbnail;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.apache.hc.client5.http.DnsResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /thumbnails/{id}} in the real service with API tokens, a real CSV catalogue and a real
 * image server on loopback, reached under {@code *.test} names that a test resolver maps to
 * 127.0.0.1: only {@code images.shop.test} is allowed by the egress policy, so {@code
 * internal.test} stands for a catalogue URL naming an internal address. Thumbnails are made, cached
 * (the image server sees one request), revalidated by entity tag; refused URLs, missing, oversized
 * and non-image bodies are their problems, none quoting the URL or the body; a burst is held to the
 * configured concurrency.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ThumbnailEndToEndTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String READ_TOKEN = "read-8d1f3a5c7e9b2d4f";
    private static final String BODY_CANARY = "BODY-CANARY-91c4";
    private static final int BURST = 12;
    private static final ImageServer SERVER = ImageServer.start();

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @TestConfiguration
    static class Resolver {
        /** Every {@code *.test} name is 127.0.0.1; anything else is unknown. */
        @Bean
        DnsResolver testResolver() {
            return new DnsResolver() {
                @Override
                public InetAddress[] resolve(String host) throws UnknownHostException {
                    if (!host.toLowerCase(Locale.ROOT).endsWith(".test")) {
                        throw new UnknownHostException(host);
                    }
                    return new InetAddress[] {
                        InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})
                    };
                }

                @Override
                public String resolveCanonicalHostname(String host) {
                    return host;
                }
            };
        }
    }

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("thumbnails");
        String images = "http://images.shop.test:" + SERVER.port();
        List<String> lines = new ArrayList<>(List.of("id,image_url"));
        lines.add("photo," + images + "/photo.jpg");
        lines.add("cached," + images + "/cached.jpg");
        lines.add("banner," + images + "/banner.png");
        lines.add("internal,http://internal.test:" + SERVER.port() + "/photo.jpg");
        lines.add("metadata,http://169.254.169.254/latest/meta-data/");
        lines.add("big," + images + "/big.jpg");
        lines.add("page," + images + "/page.html");
        lines.add("gone," + images + "/gone.jpg");
        for (int i = 0; i < BURST; i++) {
            lines.add("slow-" + i + "," + images + "/slow/" + i + ".jpg");
        }
        Path catalogue = Files.write(root.resolve("catalog.csv"), lines);
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.fetch.egress.allow", () -> "images.shop.test");
        registry.add("fsb.fetch.max-bytes", () -> "64KB");
        registry.add("fsb.fetch.retries", () -> "0");
        registry.add("fsb.thumbnail.max-concurrent", () -> "2");
        registry.add("fsb.thumbnail.max-waiting", () -> "3");
        registry.add("fsb.thumbnail.wait-timeout", () -> "2m");
        registry.add("server.address", () -> "127.0.0.1");
        registry.add("fsb.security.api-tokens", () -> "read:" + READ_TOKEN);
    }

    @AfterAll
    static void stop() {
        SERVER.stop();
    }

    @Test
    void aThumbnailIsMadeOnceThenServedFromTheCacheAndRevalidatedByItsEntityTag() throws Exception {
        HttpResponse<byte[]> first = get("/thumbnails/cached", READ_TOKEN, null);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        assertThat(first.headers().firstValue("Cache-Control")).hasValue("max-age=3600, private");
        assertThat(first.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        String etag = first.headers().firstValue("ETag").orElseThrow();
        assertThat(etag).matches("\"[A-Za-z0-9_-]{22}\"");
        BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(first.body()));
        // The 256 x 256 source fits the 128-pixel box.
        assertThat(thumbnail.getWidth()).isEqualTo(128);
        assertThat(thumbnail.getHeight()).isEqualTo(128);

        HttpResponse<byte[]> second = get("/thumbnails/cached", READ_TOKEN, null);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(second.headers().firstValue("ETag")).hasValue(etag);

        HttpResponse<byte[]> revalidated = get("/thumbnails/cached", READ_TOKEN, etag);
        assertThat(revalidated.statusCode()).isEqualTo(304);
        assertThat(revalidated.body()).isEmpty();
        assertThat(revalidated.headers().firstValue("ETag")).hasValue(etag);

        assertThat(SERVER.requests("/cached.jpg")).as("image server requests").isEqualTo(1);
    }

    @Test
    void aWideImageWithTransparencyFitsTheBoxOnWhite() throws Exception {
        HttpResponse<byte[]> response = get("/thumbnails/banner", READ_TOKEN, null);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        BufferedImage thumbnail = ImageIO.read(new ByteArrayInputStream(response.body()));
        assertThat(thumbnail.getWidth()).isEqualTo(128);
        assertThat(thumbnail.getHeight()).isEqualTo(43);
        // The transparent right half is white, the opaque left half stays blue.
        Color right = new Color(thumbnail.getRGB(120, 20));
        Color left = new Color(thumbnail.getRGB(10, 20));
        assertThat(right.getRed()).isGreaterThan(240);
        assertThat(right.getBlue()).isGreaterThan(240);
        assertThat(left.getBlue()).isGreaterThan(200);
        assertThat(left.getRed()).isLessThan(40);
    }

    @Test
    void readersNeedAToken() throws Exception {
        HttpResponse<byte[]> response = get("/thumbnails/photo", null, null);
        assertThat(response.statusCode()).isEqualTo(401);
    }

    @Test
    void anIdOutsideTheCatalogueIs404() throws Exception {
        assertProblem("/thumbnails/no-such-id", 404, "catalog-entry-not-found");
    }

    @Test
    void aCatalogueUrlNamingAnInternalAddressIsRefusedWithoutFetching() throws Exception {
        assertProblem("/thumbnails/internal", 502, "thumbnail-url-refused");
        assertProblem("/thumbnails/metadata", 502, "thumbnail-url-refused");
        assertThat(SERVER.requests("/photo.jpg")).isZero();
    }

    @Test
    void anOversizedImageIsRefused() throws Exception {
        assertProblem("/thumbnails/big", 502, "thumbnail-image-too-large");
    }

    @Test
    void aBodyThatIsNoImageIsUndecodableAndNotQuoted() throws Exception {
        assertProblem("/thumbnails/page", 502, "thumbnail-undecodable");
    }

    @Test
    void aMissingImageIsAFetchFailure() throws Exception {
        assertProblem("/thumbnails/gone", 502, "thumbnail-fetch-failed");
    }

    /**
     * Twelve requests for images that the server holds back: two are fetched at once, three wait
     * for a slot, the other seven are refused at once with 503; once the server answers, the
     * waiting ones are made too.
     */
    @Test
    void aBurstIsHeldToTheConfiguredConcurrency() throws Exception {
        List<CompletableFuture<HttpResponse<byte[]>>> burst = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            burst.add(
                    http.sendAsync(
                            request("/thumbnails/slow-" + i, READ_TOKEN, null),
                            HttpResponse.BodyHandlers.ofByteArray()));
        }
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (burst.stream().filter(r -> r.isDone() && status(r) == 503).count() < BURST - 5) {
            assertThat(System.nanoTime()).as("seven refusals").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertThat(SERVER.slowInFlight()).isLessThanOrEqualTo(2);
        SERVER.releaseSlow();
        int made = 0;
        for (CompletableFuture<HttpResponse<byte[]>> response : burst) {
            HttpResponse<byte[]> answered = response.get(2, TimeUnit.MINUTES);
            if (answered.statusCode() == 200) {
                made++;
            } else {
                assertThat(answered.statusCode()).isEqualTo(503);
                assertThat(answered.headers().firstValue("Retry-After")).hasValue("1");
                assertThat(new String(answered.body())).contains("thumbnail-busy");
            }
        }
        assertThat(made).isEqualTo(5);
        assertThat(SERVER.mostSlowInFlight()).isEqualTo(2);
    }

    private static int status(CompletableFuture<HttpResponse<byte[]>> response) {
        return response.join().statusCode();
    }

    private void assertProblem(String path, int status, String slug) throws Exception {
        HttpResponse<byte[]> response = get(path, READ_TOKEN, null);
        String body = new String(response.body());
        assertThat(response.statusCode()).as(body).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValue("application/problem+json");
        Map<?, ?> problem = JSON.readValue(body, Map.class);
        assertThat(problem.get("type"))
                .isEqualTo("https://faiss-shard-builder.dev/problems/" + slug);
        assertThat(body)
                .doesNotContain("http:", ".test", "169.254", "photo.jpg", BODY_CANARY, ".html");
    }

    private HttpResponse<byte[]> get(String path, String token, String ifNoneMatch)
            throws Exception {
        return http.send(
                request(path, token, ifNoneMatch), HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpRequest request(String path, String token, String ifNoneMatch) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (ifNoneMatch != null) {
            request.header("If-None-Match", ifNoneMatch);
        }
        return request.build();
    }

    /** The image server: a sample photo, a transparent PNG banner, a large body, an HTML page. */
    private static final class ImageServer {

        private final HttpServer server;
        private final ExecutorService threads = Executors.newFixedThreadPool(16);
        private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
        private final AtomicInteger slowInFlight = new AtomicInteger();
        private final AtomicInteger mostSlowInFlight = new AtomicInteger();
        private final CountDownLatch slowReleased = new CountDownLatch(1);
        private final byte[] photo;
        private final byte[] banner;
        private final byte[] big;

        private ImageServer() throws IOException {
            photo = Files.readAllBytes(Path.of("samples/images/000001-red-circle.jpg"));
            banner = transparentBanner();
            big = new byte[200_000];
            new Random(7).nextBytes(big);
            big[0] = (byte) 0xFF;
            big[1] = (byte) 0xD8;
            big[2] = (byte) 0xFF;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.setExecutor(threads);
            server.createContext("/", this::answer);
            server.start();
        }

        static ImageServer start() {
            try {
                return new ImageServer();
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }

        int port() {
            return server.getAddress().getPort();
        }

        int requests(String path) {
            return requests.getOrDefault(path, new AtomicInteger()).get();
        }

        int slowInFlight() {
            return slowInFlight.get();
        }

        int mostSlowInFlight() {
            return mostSlowInFlight.get();
        }

        void releaseSlow() {
            slowReleased.countDown();
        }

        void stop() {
            slowReleased.countDown();
            server.stop(0);
            threads.shutdownNow();
        }

        private void answer(HttpExchange exchange) throws IOException {
            String path = exchange.getRequestURI().getPath();
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            try (exchange) {
                exchange.getRequestBody().readAllBytes();
                if (path.startsWith("/slow/")) {
                    int now = slowInFlight.incrementAndGet();
                    mostSlowInFlight.accumulateAndGet(now, Math::max);
                    try {
                        slowReleased.await(3, TimeUnit.MINUTES);
                    } catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    } finally {
                        slowInFlight.decrementAndGet();
                    }
                    send(exchange, "image/jpeg", photo);
                    return;
                }
                switch (path) {
                    case "/photo.jpg", "/cached.jpg" -> send(exchange, "image/jpeg", photo);
                    case "/banner.png" -> send(exchange, "image/png", banner);
                    case "/big.jpg" -> send(exchange, "image/jpeg", big);
                    case "/page.html" ->
                            send(
                                    exchange,
                                    "image/jpeg",
                                    ("<!doctype html><html><body>" + BODY_CANARY + "</body></html>")
                                            .getBytes());
                    default -> {
                        exchange.sendResponseHeaders(404, -1);
                    }
                }
            }
        }

        private static void send(HttpExchange exchange, String type, byte[] body)
                throws IOException {
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }

        /** 600 x 200: the left half opaque blue, the right half fully transparent. */
        private static byte[] transparentBanner() throws IOException {
            BufferedImage image = new BufferedImage(600, 200, BufferedImage.TYPE_INT_ARGB);
            Graphics2D g = image.createGraphics();
            g.setColor(new Color(10, 40, 230));
            g.fillRect(0, 0, 300, 200);
            g.dispose();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        }
    }
}
