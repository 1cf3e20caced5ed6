package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.sun.net.httpserver.HttpServer;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.supabase.SupabaseProperties;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.DnsResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * SSRF through image URLs, against a real server on 127.0.0.1 that must never be reached: names a
 * test resolver maps to loopback, numeric spellings of loopback, a name that answers a public
 * address first and loopback next (rebinding), and redirect chains from an allowed server into
 * refused destinations.
 */
class EgressFetchTests {

    private HttpServer server;
    private ExecutorService serverThreads;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger lookups = new AtomicInteger();
    private TestImageFetcher fetcher;

    /**
     * Test names, all on loopback; the one name that rebinds answers a public address on its first
     * look-up.
     */
    private final DnsResolver resolver =
            new DnsResolver() {

                @Override
                public InetAddress[] resolve(String host) throws UnknownHostException {
                    lookups.incrementAndGet();
                    Map<String, String> names =
                            Map.of(
                                    "internal.test",
                                    "127.0.0.1",
                                    "metadata.test",
                                    "127.0.0.1",
                                    "images.test",
                                    "127.0.0.1",
                                    "cdn.example.test",
                                    "127.0.0.1",
                                    "v6.test",
                                    "::1",
                                    "mapped.test",
                                    "::ffff:127.0.0.1");
                    String address = names.get(host);
                    if (address == null) {
                        throw new UnknownHostException(host);
                    }
                    return new InetAddress[] {IpLiteral.parse(address).orElseThrow()};
                }

                @Override
                public String resolveCanonicalHostname(String host) {
                    return host;
                }
            };

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        serverThreads = Executors.newFixedThreadPool(4);
        server.setExecutor(serverThreads);
        server.createContext(
                "/",
                exchange -> {
                    try (exchange) {
                        requests.incrementAndGet();
                        String path = exchange.getRequestURI().getPath();
                        if (path.startsWith("/to/")) {
                            exchange.getResponseHeaders()
                                    .set("Location", "http://" + path.substring(4) + "/jobs");
                            exchange.sendResponseHeaders(302, -1);
                            return;
                        }
                        byte[] body = "{\"jobs\":[\"SECRET-INTERNAL\"]}".getBytes();
                        exchange.sendResponseHeaders(200, body.length);
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(body);
                        }
                    }
                });
        server.start();
        // Only images.test may be reached (by name); 127.0.0.1 itself is not allowed here.
        fetcher = fetcher(List.of("images.test"));
    }

    @AfterEach
    void stop() {
        fetcher.destroy();
        server.stop(0);
        serverThreads.shutdownNow();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "internal.test",
                "metadata.test",
                "cdn.example.test",
                "v6.test",
                "mapped.test",
                "localhost",
                "127.0.0.1",
                "127.1",
                "2130706433",
                "0x7f.1",
                "017700000001",
                "0x7f000001",
                "[::1]",
                "[::ffff:127.0.0.1]",
                "0.0.0.0",
                "0"
            })
    void loopbackByAnyNameOrSpellingIsRefusedWithoutARequest(String host) throws Exception {
        if (host.equals("localhost")) {
            fetcher.destroy();
            fetcher =
                    fetcher(
                            List.of("images.test"),
                            new DnsResolver() {
                                @Override
                                public InetAddress[] resolve(String name)
                                        throws UnknownHostException {
                                    return name.equals("localhost")
                                            ? new InetAddress[] {InetAddress.getLoopbackAddress()}
                                            : resolver.resolve(name);
                                }

                                @Override
                                public String resolveCanonicalHostname(String name) {
                                    return name;
                                }
                            });
        }
        ImageRejectedException failure =
                failure(URI.create("http://" + host + ":" + port() + "/jobs"));
        assertThat(failure.reason()).isEqualTo(FailureReason.EGRESS_REFUSED);
        assertThat(failure.reason().isTransient()).as("recorded once, never retried").isFalse();
        assertThat(failure.detail()).doesNotContain("SECRET");
        assertThat(requests).as("requests that reached the loopback server").hasValue(0);
    }

    @Test
    void cloudMetadataAndPrivateAddressesAreRefusedBeforeAnyConnection() throws Exception {
        for (String url :
                List.of(
                        "http://169.254.169.254/latest/meta-data/",
                        "http://[fd00:ec2::254]/",
                        "http://10.0.0.1/a.jpg",
                        "http://192.168.1.1/a.jpg",
                        "http://100.64.1.1/",
                        "http://224.0.0.1/",
                        "http://255.255.255.255/",
                        "http://0251.0376.0251.0376/",
                        "http://[::ffff:169.254.169.254]/")) {
            ImageRejectedException failure = failure(URI.create(url));
            assertThat(failure.reason()).as(url).isEqualTo(FailureReason.EGRESS_REFUSED);
        }
        assertThat(lookups).as("numeric hosts never go to a resolver").hasValue(0);
    }

    @Test
    void anAllowedNameIsFetched() throws Exception {
        assertThat(
                        new String(
                                fetcher.fetch(URI.create("http://images.test:" + port() + "/a.jpg"))
                                        .get(10, TimeUnit.SECONDS)))
                .contains("SECRET-INTERNAL");
        assertThat(requests).hasValue(1);
    }

    @Test
    void rebindingNameIsJudgedOnTheAddressActuallyConnectedTo() throws Exception {
        AtomicInteger looked = new AtomicInteger();
        fetcher.destroy();
        fetcher =
                fetcher(
                        List.of(),
                        new DnsResolver() {
                            @Override
                            public InetAddress[] resolve(String host) throws UnknownHostException {
                                // A public-looking name whose record now points at loopback (it may
                                // have been public a second ago).
                                looked.incrementAndGet();
                                return new InetAddress[] {
                                    IpLiteral.parse("127.0.0.1").orElseThrow()
                                };
                            }

                            @Override
                            public String resolveCanonicalHostname(String host) {
                                return host;
                            }
                        });
        ImageRejectedException failure =
                failure(URI.create("http://www.public-looking.test:" + port() + "/jobs"));
        assertThat(failure.reason()).isEqualTo(FailureReason.EGRESS_REFUSED);
        assertThat(failure.detail())
                .contains("www.public-looking.test resolves to a loopback address");
        assertThat(looked)
                .as("one look-up, the connection's own: no earlier check whose answer could differ")
                .hasValue(1);
        assertThat(requests).hasValue(0);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "internal.test",
                "127.0.0.1",
                "2130706433",
                "metadata.test",
                "[::1]",
                "169.254.169.254"
            })
    void redirectFromAnAllowedServerToARefusedDestinationIsRefusedAtTheHop(String target)
            throws Exception {
        String hop =
                (target.equals("169.254.169.254") ? target : target + ":" + port())
                        .replace("[", "%5B")
                        .replace("]", "%5D");
        ImageRejectedException failure =
                failure(URI.create("http://images.test:" + port() + "/to/" + hop));
        assertThat(failure.reason()).isEqualTo(FailureReason.EGRESS_REFUSED);
        assertThat(failure.detail()).startsWith("redirect 1:");
        assertThat(requests).as("only the allowed server's redirect was requested").hasValue(1);
    }

    @Test
    void withLoopbackAllowedByRangeNamesOnItAreFetchedToo() throws Exception {
        fetcher.destroy();
        fetcher = fetcher(List.of("127.0.0.1/32"));
        assertThat(
                        fetcher.fetch(URI.create("http://internal.test:" + port() + "/a.jpg"))
                                .get(10, TimeUnit.SECONDS))
                .isNotEmpty();
        assertThat(failure(URI.create("http://127.0.0.2:" + port() + "/a.jpg")).reason())
                .as("the rest of 127.0.0.0/8 stays refused")
                .isEqualTo(FailureReason.EGRESS_REFUSED);
        for (String spelling : List.of("127.1", "2130706433", "0x7f.0.0.1", "[::ffff:127.0.0.1]")) {
            assertThat(
                            fetcher.fetch(
                                            URI.create(
                                                    "http://" + spelling + ":" + port() + "/a.jpg"))
                                    .get(10, TimeUnit.SECONDS))
                    .as("%s, requested as 127.0.0.1 on the same port", spelling)
                    .isNotEmpty();
        }
    }

    private TestImageFetcher fetcher(List<String> allow) {
        return fetcher(allow, resolver);
    }

    private static TestImageFetcher fetcher(List<String> allow, DnsResolver resolver) {
        SupabaseProperties noSupabase =
                new SupabaseProperties(
                        null,
                        null,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(60),
                        new SupabaseProperties.Retry(
                                1, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0));
        FetchProperties properties =
                new FetchProperties(
                        2,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        DataSize.ofKilobytes(64),
                        3,
                        0,
                        "fsb-test",
                        new FetchProperties.Egress(allow, List.of()),
                        new FetchProperties.Files(true, List.of()),
                        8,
                        0,
                        List.of(),
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(1),
                        Duration.ofMinutes(2),
                        Duration.ZERO);
        return new TestImageFetcher(
                WebClient.builder(),
                properties,
                noSupabase,
                JsonMapper.builder().build(),
                resolver);
    }

    private int port() {
        return server.getAddress().getPort();
    }

    private ImageRejectedException failure(URI url) throws Exception {
        CompletableFuture<byte[]> fetched = fetcher.fetch(url);
        try {
            byte[] body = fetched.get(10, TimeUnit.SECONDS);
            return fail("expected a refusal of %s, got %d bytes", url, body.length);
        } catch (ExecutionException ex) {
            assertThat(ex.getCause()).isInstanceOf(ImageRejectedException.class);
            return (ImageRejectedException) ex.getCause();
        }
    }
}
