package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.supabase.SupabaseProperties;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fetcher against a real HTTP server on 127.0.0.1: statuses, retries, redirects, size limits
 * and timeouts each end in a body or in a precise {@link FailureReason}, and concurrency stays
 * bounded.
 */
class RoutingImageFetcherTests {

    private static final int CONCURRENCY = 4;
    private static final int MAX_BYTES = 64 * 1024;

    private HttpServer server;
    private ExecutorService serverThreads;
    private TestImageFetcher fetcher;

    @TempDir Path dir;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        serverThreads = Executors.newFixedThreadPool(16);
        server.setExecutor(serverThreads);
        server.start();
        SupabaseProperties noSupabase =
                new SupabaseProperties(
                        null,
                        null,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(60),
                        new SupabaseProperties.Retry(
                                1, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0));
        fetcher =
                new TestImageFetcher(
                        WebClient.builder(),
                        new FetchProperties(
                                CONCURRENCY,
                                Duration.ofSeconds(1),
                                Duration.ofMillis(400),
                                Duration.ofMillis(1500),
                                DataSize.ofBytes(MAX_BYTES),
                                3,
                                1,
                                "fsb-test",
                                new FetchProperties.Egress(List.of("127.0.0.1/32"), List.of()),
                                new FetchProperties.Files(true, List.of()),
                                8,
                                0,
                                List.of(),
                                Duration.ofMinutes(5),
                                Duration.ofSeconds(1),
                                Duration.ofMinutes(2),
                                Duration.ZERO),
                        noSupabase,
                        JsonMapper.builder().build());
    }

    @AfterEach
    void stop() {
        fetcher.destroy();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @Test
    void okAnswerGivesTheBodyAndSendsTheUserAgent() throws Exception {
        List<String> agents = new ArrayList<>();
        route(
                "/a.jpg",
                exchange -> {
                    agents.add(exchange.getRequestHeaders().getFirst("User-Agent"));
                    send(exchange, 200, bytes(1000));
                });
        assertThat(fetch("/a.jpg")).isEqualTo(bytes(1000));
        assertThat(agents).containsExactly("fsb-test");
    }

    @Test
    void notFoundIsAnHttpStatusFailureWithoutRetry() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        route(
                "/gone.jpg",
                exchange -> {
                    calls.incrementAndGet();
                    send(exchange, 404, "<html>gone</html>".getBytes());
                });
        ImageRejectedException failure = failure("/gone.jpg");
        assertThat(failure.reason()).isEqualTo(FailureReason.HTTP_STATUS);
        assertThat(failure.detail()).startsWith("HTTP 404");
        assertThat(failure.reason().isTransient()).isFalse();
        assertThat(calls).hasValue(1);
    }

    @Test
    void serverErrorIsRetriedOnceThenSucceeds() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        route(
                "/flaky.jpg",
                exchange -> {
                    if (calls.incrementAndGet() == 1) {
                        send(exchange, 503, new byte[0]);
                    } else {
                        send(exchange, 200, bytes(10));
                    }
                });
        assertThat(fetch("/flaky.jpg")).isEqualTo(bytes(10));
        assertThat(calls).hasValue(2);
    }

    @Test
    void serverErrorThatOutlastsTheRetriesIsATransientFailure() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        route(
                "/down.jpg",
                exchange -> {
                    calls.incrementAndGet();
                    send(exchange, 502, new byte[0]);
                });
        ImageRejectedException failure = failure("/down.jpg");
        assertThat(failure.reason()).isEqualTo(FailureReason.SERVER_UNAVAILABLE);
        assertThat(failure.detail()).startsWith("HTTP 502");
        assertThat(failure.reason().isTransient()).as("retried by the next job").isTrue();
        assertThat(calls).hasValue(2);
    }

    @Test
    void redirectsAreFollowedUpToTheLimit() throws Exception {
        route("/r1", exchange -> redirect(exchange, "/r2"));
        route("/r2", exchange -> redirect(exchange, url("/r3").toString()));
        route("/r3", exchange -> redirect(exchange, "final.jpg"));
        route("/final.jpg", exchange -> send(exchange, 200, bytes(5)));
        assertThat(fetch("/r1")).isEqualTo(bytes(5));

        for (int i = 0; i < 5; i++) {
            int next = i + 1;
            route("/chain" + i, exchange -> redirect(exchange, "/chain" + next));
        }
        route("/chain5", exchange -> send(exchange, 200, bytes(5)));
        ImageRejectedException tooMany = failure("/chain0");
        assertThat(tooMany.reason()).isEqualTo(FailureReason.TOO_MANY_REDIRECTS);
        assertThat(tooMany.detail()).contains("more than 3 redirects");
    }

    @Test
    void redirectLoopIsCaught() throws Exception {
        route("/ping", exchange -> redirect(exchange, "/pong"));
        route("/pong", exchange -> redirect(exchange, "/ping"));
        ImageRejectedException failure = failure("/ping");
        assertThat(failure.reason()).isEqualTo(FailureReason.TOO_MANY_REDIRECTS);
        assertThat(failure.detail()).contains("loop");
    }

    @Test
    void declaredLengthOverTheLimitIsRefusedBeforeTheBodyIsRead() throws Exception {
        AtomicInteger written = new AtomicInteger();
        route(
                "/huge.jpg",
                exchange -> {
                    exchange.sendResponseHeaders(200, 50L * 1024 * 1024);
                    try (OutputStream out = exchange.getResponseBody()) {
                        byte[] chunk = new byte[8192];
                        for (int i = 0; i < 6400; i++) {
                            out.write(chunk);
                            written.addAndGet(chunk.length);
                        }
                    } catch (IOException clientWentAway) {
                        // expected: the fetcher hangs up once it has seen Content-Length
                    }
                });
        ImageRejectedException failure = failure("/huge.jpg");
        assertThat(failure.reason()).isEqualTo(FailureReason.TOO_LARGE);
        assertThat(failure.detail()).contains("Content-Length");
        assertThat(written.get())
                .as("bytes the server managed to send")
                .isLessThan(50 * 1024 * 1024);
    }

    @Test
    void chunkedBodyOverTheLimitIsCutOff() throws Exception {
        route(
                "/stream.jpg",
                exchange -> {
                    exchange.sendResponseHeaders(200, 0); // chunked: no length announced
                    try (OutputStream out = exchange.getResponseBody()) {
                        for (int i = 0; i < 20; i++) {
                            out.write(new byte[8192]);
                        }
                    } catch (IOException clientWentAway) {
                        // expected
                    }
                });
        ImageRejectedException failure = failure("/stream.jpg");
        assertThat(failure.reason()).isEqualTo(FailureReason.TOO_LARGE);
    }

    @Test
    void silentServerTimesOut() throws Exception {
        route(
                "/slow.jpg",
                exchange -> {
                    sleep(3000);
                    send(exchange, 200, bytes(10));
                });
        long start = System.nanoTime();
        ImageRejectedException failure = failure("/slow.jpg");
        assertThat(failure.reason()).isEqualTo(FailureReason.TIMEOUT);
        assertThat(failure.reason().isTransient()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("bounded by the total timeout")
                .isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void bodyTricklingPastTheTotalTimeoutTimesOut() throws Exception {
        route(
                "/drip.jpg",
                exchange -> {
                    exchange.sendResponseHeaders(200, 40);
                    try (OutputStream out = exchange.getResponseBody()) {
                        for (int i = 0; i < 40; i++) {
                            out.write(i);
                            out.flush();
                            sleep(100); // every chunk within the read timeout, the whole past the
                            // total timeout
                        }
                    } catch (IOException clientWentAway) {
                        // expected
                    }
                });
        ImageRejectedException failure = failure("/drip.jpg");
        assertThat(failure.reason()).isEqualTo(FailureReason.TIMEOUT);
        assertThat(failure.detail()).contains("within 1500 ms");
    }

    @Test
    void refusedConnectionIsATransientConnectionFailure() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ImageRejectedException failure =
                failure(URI.create("http://127.0.0.1:" + closedPort + "/x.jpg"));
        assertThat(failure.reason()).isEqualTo(FailureReason.CONNECTION);
        assertThat(failure.reason().isTransient()).isTrue();
    }

    @Test
    void concurrentRequestsStayWithinTheBound() throws Exception {
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        route(
                "/busy.jpg",
                exchange -> {
                    peak.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                    sleep(40);
                    inFlight.decrementAndGet();
                    send(exchange, 200, bytes(100));
                });
        List<CompletableFuture<byte[]>> all = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            all.add(fetcher.fetch(url("/busy.jpg")));
        }
        for (CompletableFuture<byte[]> one : all) {
            assertThat(one.get(10, TimeUnit.SECONDS)).hasSize(100);
        }
        assertThat(peak.get()).isBetween(2, CONCURRENCY);
    }

    @Test
    void connectionsAreKeptAliveAcrossImagesAndAfterAShortErrorPage() throws Exception {
        Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
        route(
                "/kept.jpg",
                exchange -> {
                    clientPorts.add(exchange.getRemoteAddress().getPort());
                    send(exchange, 200, bytes(2000));
                });
        route(
                "/gone.jpg",
                exchange -> {
                    clientPorts.add(exchange.getRemoteAddress().getPort());
                    send(
                            exchange,
                            404,
                            "not here".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                });
        for (int i = 0; i < 30; i++) {
            assertThat(fetch("/kept.jpg")).hasSize(2000);
            if (i % 10 == 0) {
                assertThat(failure("/gone.jpg").reason()).isEqualTo(FailureReason.HTTP_STATUS);
            }
        }
        assertThat(clientPorts).as("connections opened for 33 sequential requests").hasSize(1);
    }

    @Test
    void fileUrlsAreReadWithTheSameLimits() throws Exception {
        Path small = Files.write(dir.resolve("small.jpg"), bytes(20));
        Path large = Files.write(dir.resolve("large.jpg"), new byte[MAX_BYTES + 1]);
        assertThat(fetcher.fetch(small.toUri(), dir).get(5, TimeUnit.SECONDS)).isEqualTo(bytes(20));
        assertThat(failure(fetcher.fetch(large.toUri(), dir)).reason())
                .isEqualTo(FailureReason.TOO_LARGE);
        assertThat(failure(fetcher.fetch(dir.resolve("missing.jpg").toUri(), dir)).reason())
                .isEqualTo(FailureReason.NOT_FOUND);
    }

    @Test
    void otherSchemesAreUnsupported() throws Exception {
        ImageRejectedException failure = failure(URI.create("ftp://127.0.0.1/a.jpg"));
        assertThat(failure.reason()).isEqualTo(FailureReason.UNSUPPORTED_URL);
        assertThat(failure.detail()).contains("ftp");
    }

    private void route(String path, HttpHandler handler) {
        server.createContext(
                path,
                exchange -> {
                    try (exchange) {
                        handler.handle(exchange);
                    }
                });
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private byte[] fetch(String path) throws Exception {
        return fetcher.fetch(url(path)).get(10, TimeUnit.SECONDS);
    }

    private ImageRejectedException failure(String path) throws Exception {
        return failure(url(path));
    }

    private ImageRejectedException failure(URI url) throws Exception {
        return failure(fetcher.fetch(url));
    }

    private static ImageRejectedException failure(CompletableFuture<byte[]> fetched)
            throws Exception {
        try {
            byte[] body = fetched.get(10, TimeUnit.SECONDS);
            return fail("expected a failure, got %d bytes", body.length);
        } catch (ExecutionException ex) {
            assertThat(ex.getCause()).isInstanceOf(ImageRejectedException.class);
            return (ImageRejectedException) ex.getCause();
        }
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "image/jpeg");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        exchange.sendResponseHeaders(302, -1);
    }

    private static byte[] bytes(int length) {
        byte[] data = new byte[length];
        Arrays.setAll(new int[length], i -> data[i] = (byte) (i * 31));
        return data;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
