package dev.faissshard.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.DnsResolver;

/**
 * An image server on 127.0.0.1 that plays several hosts at once: the {@code Host} header picks the
 * behaviour (with a test resolver mapping every {@code *.test} name to 127.0.0.1). It records every
 * request per host (arrival, user agent, the answer's status and when it was sent) and the most
 * requests any host had in flight at once.
 */
final class ThrottlingImageServer implements AutoCloseable {

    /** What a host answers to the {@code attempt}-th request (1-based) for {@code path}. */
    interface Behaviour {
        Answer answer(String path, int attempt);
    }

    record Answer(int status, Map<String, String> headers, byte[] body, long delayMillis) {

        static Answer ok(byte[] body) {
            return new Answer(200, Map.of("Content-Type", "image/jpeg"), body, 0);
        }

        static Answer status(int status, Map<String, String> headers) {
            return new Answer(status, headers, new byte[0], 0);
        }
    }

    /** One request: when it arrived and when its answer was sent (nanoTime and wall clock). */
    record Hit(
            String path,
            String userAgent,
            int status,
            long arrivedNanos,
            long arrivedMillis,
            long answeredNanos) {}

    /** Every {@code *.test} name is 127.0.0.1; anything else is unknown. */
    static final DnsResolver RESOLVER =
            new DnsResolver() {
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

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(48);
    private final Map<String, Behaviour> hosts = new ConcurrentHashMap<>();
    private final Map<String, List<Hit>> hits = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> current = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> most = new ConcurrentHashMap<>();

    ThrottlingImageServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    void host(String name, Behaviour behaviour) {
        hosts.put(name, behaviour);
    }

    URI url(String host, String path) {
        return URI.create("http://" + host + ":" + server.getAddress().getPort() + path);
    }

    List<Hit> hits(String host) {
        return List.copyOf(hits.getOrDefault(host, List.of()));
    }

    int mostInFlight(String host) {
        AtomicInteger count = most.get(host);
        return count == null ? 0 : count.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        long arrived = System.nanoTime();
        long arrivedMillis = System.currentTimeMillis();
        String host = exchange.getRequestHeaders().getFirst("Host");
        host = host == null ? "" : host.replaceFirst(":\\d+$", "").toLowerCase(Locale.ROOT);
        String path = exchange.getRequestURI().getPath();
        AtomicInteger now = current.computeIfAbsent(host, h -> new AtomicInteger());
        AtomicInteger peak = most.computeIfAbsent(host, h -> new AtomicInteger());
        peak.accumulateAndGet(now.incrementAndGet(), Math::max);
        // Counted in flight until the first byte of the answer leaves, not until this thread is
        // done: once the client has the answer it may start its next request, which another
        // server thread can count before this one gets back from writing.
        boolean counted = true;
        try (exchange) {
            Behaviour behaviour = hosts.get(host);
            int attempt =
                    attempts.computeIfAbsent(host + path, k -> new AtomicInteger())
                            .incrementAndGet();
            Answer answer =
                    behaviour == null
                            ? Answer.status(404, Map.of())
                            : behaviour.answer(path, attempt);
            if (answer.delayMillis() > 0) {
                Thread.sleep(answer.delayMillis());
            }
            answer.headers()
                    .forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
            long answered = System.nanoTime();
            hits.computeIfAbsent(host, h -> new CopyOnWriteArrayList<>())
                    .add(
                            new Hit(
                                    path,
                                    exchange.getRequestHeaders().getFirst("User-Agent"),
                                    answer.status(),
                                    arrived,
                                    arrivedMillis,
                                    answered));
            now.decrementAndGet();
            counted = false;
            exchange.sendResponseHeaders(
                    answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            if (answer.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(answer.body());
                }
            }
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        } finally {
            if (counted) {
                now.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
