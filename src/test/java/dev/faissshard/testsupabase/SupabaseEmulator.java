package dev.faissshard.testsupabase;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A faithful stand-in for a Supabase project's HTTP APIs, as a real HTTP server on 127.0.0.1:
 * Storage under {@code /storage/v1} ({@link EmulatedStorage}) and PostgREST under {@code /rest/v1}
 * ({@link EmulatedPostgrest}). It injects faults on demand: scheduled ones for the next matching
 * requests, or a random share of all storage calls, from a fixed seed so that runs repeat.
 */
public final class SupabaseEmulator implements AutoCloseable {

    public static final String SERVICE_KEY =
            "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.emulator-service-signature";
    public static final String ANON_KEY =
            "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.emulator-anon-signature";
    private static final String STORAGE = "/storage/v1";
    private static final String REST = "/rest/v1";

    /** A request as faults see it. */
    public record Call(String method, String path) {}

    private record Scheduled(Predicate<Call> matches, Fault fault) {}

    /**
     * How long an early answer keeps its connection without reading; longer than any client timeout
     * in tests.
     */
    private static final Duration HOLD_UNREAD = Duration.ofSeconds(30);

    private final HttpServer server;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final ExecutorService threads;
    private final EmulatedStorage storage;
    private final EmulatedPostgrest postgrest;
    private final Queue<Scheduled> scheduled = new ArrayDeque<>();
    private final Queue<Fault> restFaults = new ArrayDeque<>();
    private final Map<Fault, AtomicLong> injected = new EnumMap<>(Fault.class);
    private final AtomicLong storageCalls = new AtomicLong();
    private final List<Call> log = new ArrayList<>();
    private SplittableRandom random;
    private double randomRate;
    private List<Fault> randomFaults = List.of();
    private Duration slowDelay = Duration.ofSeconds(2);
    private Predicate<Call> outage;
    private int outagePassing;
    private Fault outageFault;

    public SupabaseEmulator() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        threads = Executors.newFixedThreadPool(16);
        server.setExecutor(threads);
        String root = "http://127.0.0.1:" + server.getAddress().getPort();
        storage = new EmulatedStorage(SERVICE_KEY, ANON_KEY, root + STORAGE);
        postgrest = new EmulatedPostgrest(SERVICE_KEY, ANON_KEY);
        for (Fault fault : Fault.values()) {
            injected.put(fault, new AtomicLong());
        }
        server.createContext(STORAGE + "/", exchange -> serve(exchange, STORAGE, true));
        server.createContext(REST + "/", exchange -> serve(exchange, REST, false));
        server.createContext(
                "/",
                exchange -> {
                    try (exchange) {
                        send(
                                exchange,
                                EmulatedStorage.notFoundRoute(
                                        exchange.getRequestMethod(),
                                        exchange.getRequestURI().getPath()));
                    }
                });
        server.start();
    }

    /** The project URL, as {@code SUPABASE_URL}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void createBucket(String name, boolean isPublic, Long fileSizeLimit) {
        storage.createBucket(name, isPublic, fileSizeLimit);
    }

    public void putObject(String bucket, String key, byte[] data, String contentType) {
        storage.putObject(bucket, key, data, contentType);
    }

    /** Every object of the bucket by key. */
    public Map<String, byte[]> objects(String bucket) {
        return storage.objects(bucket);
    }

    public int openUploads() {
        return storage.openUploads();
    }

    /** Bytes of object data the TUS endpoint received (PATCH bodies and creations with data). */
    public long tusBytesReceived() {
        return storage.tusBytesReceived();
    }

    /** Ends the unfinished upload with this id on the server, as its expiry would. */
    public boolean expireUpload(String uploadId) {
        return storage.expireUpload(uploadId);
    }

    public void table(String name, List<Map<String, Object>> rows) {
        postgrest.table(name, rows);
    }

    public void maxRows(int maxRows) {
        postgrest.maxRows(maxRows);
    }

    /**
     * The next storage request matching {@code matches} gets {@code fault}; faults queue in order.
     */
    public synchronized void failNext(Predicate<Call> matches, Fault fault) {
        scheduled.add(new Scheduled(matches, fault));
    }

    /**
     * The next PostgREST request gets {@code fault}; faults queue in order. Storage faults never
     * touch PostgREST.
     */
    public synchronized void failNextRest(Fault fault) {
        restFaults.add(fault);
    }

    /**
     * Lets {@code passing} requests matching {@code matches} through, then gives {@code fault} to
     * every further matching one until {@link #stopFaults()}: an outage that starts at a known
     * point.
     */
    public synchronized void failAfter(Predicate<Call> matches, int passing, Fault fault) {
        this.outage = matches;
        this.outagePassing = passing;
        this.outageFault = fault;
    }

    /**
     * From now on a share {@code rate} of storage requests gets one of {@code faults}, chosen by a
     * seeded random.
     */
    public synchronized void failRandomly(double rate, long seed, List<Fault> faults) {
        this.random = new SplittableRandom(seed);
        this.randomRate = rate;
        this.randomFaults = List.copyOf(faults);
    }

    public synchronized void stopFaults() {
        scheduled.clear();
        randomRate = 0;
        outage = null;
    }

    public synchronized void slowDelay(Duration delay) {
        this.slowDelay = delay;
    }

    public long injected(Fault fault) {
        return injected.get(fault).get();
    }

    public long injectedTotal() {
        return injected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    public long storageCalls() {
        return storageCalls.get();
    }

    /** Storage requests received so far, in order. */
    public synchronized List<Call> calls() {
        return List.copyOf(log);
    }

    public synchronized void clearCalls() {
        log.clear();
    }

    private synchronized Fault restFault() {
        return restFaults.poll();
    }

    private synchronized Fault faultFor(Call call) {
        log.add(call);
        for (Scheduled next : scheduled) {
            if (next.matches().test(call)) {
                scheduled.remove(next);
                return next.fault();
            }
        }
        if (outage != null && outage.test(call) && outagePassing-- <= 0) {
            return outageFault;
        }
        if (randomRate > 0 && random.nextDouble() < randomRate) {
            return randomFaults.get(random.nextInt(randomFaults.size()));
        }
        return null;
    }

    private void serve(HttpExchange exchange, String apiRoot, boolean isStorage)
            throws IOException {
        Request request = new Request(exchange, apiRoot);
        Fault fault = null;
        if (isStorage) {
            storageCalls.incrementAndGet();
            fault = faultFor(new Call(request.method(), request.path()));
        } else {
            fault = restFault();
        }
        if (fault != null) {
            injected.get(fault).incrementAndGet();
        }
        try {
            Reply reply =
                    fault == null
                            ? null
                            : switch (fault) {
                                case INTERNAL_ERROR ->
                                        Reply.json(
                                                500,
                                                "{\"statusCode\":\"500\",\"code\":\"InternalError\",\"error\":\"internal\",\"message\":\"Internal Server Error\"}");
                                case UNAVAILABLE ->
                                        Reply.json(
                                                503,
                                                "{\"message\":\"An invalid response was received from the upstream server\"}");
                                case TOO_MANY_REQUESTS ->
                                        Reply.json(
                                                        429,
                                                        "{\"statusCode\":\"429\",\"code\":\"SlowDown\",\"error\":\"too_many_requests\",\"message\":\"Too many requests, please slow down\"}")
                                                .with("Retry-After", "1");
                                case RESET_BEFORE -> throw new Abort();
                                case SLOW, RESET_AFTER, PARTIAL_PATCH -> null;
                            };
            if (reply != null) {
                request.body();
                send(exchange, reply);
                return;
            }
            if (fault == Fault.PARTIAL_PATCH) {
                Reply partial = storage.partialPatch(request);
                if (partial != null) {
                    send(exchange, partial);
                    return;
                }
                throw new Abort();
            }
            reply = isStorage ? storage.handle(request) : postgrest.handle(request);
            if (fault == Fault.RESET_AFTER) {
                throw new Abort();
            }
            if (fault == Fault.SLOW) {
                sleep(slowDelay);
            }
            send(exchange, reply);
        } catch (Abort abort) {
            // Closing the exchange unanswered makes the JDK server drop the connection: the client
            // sees a reset.
            exchange.getRequestBody().close();
            throw new IOException("connection dropped by fault injection");
        } finally {
            exchange.close();
        }
    }

    private void send(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        boolean head = exchange.getRequestMethod().equals("HEAD");
        boolean noBody =
                head || reply.status() == 204 || reply.status() == 304 || reply.body().length == 0;
        exchange.sendResponseHeaders(reply.status(), noBody ? -1 : reply.body().length);
        OutputStream out = exchange.getResponseBody();
        if (!noBody) {
            out.write(reply.body());
        }
        if (reply.beforeBody()) {
            // The whole answer is on the wire; like the real server, go on holding the connection
            // without
            // reading the rest of the body. (Closing the exchange would make the JDK server drain
            // 64 KiB
            // and drop the connection, hiding a client that reuses it.)
            out.flush();
            holdUnread();
        }
        out.close();
    }

    private void holdUnread() {
        try {
            closed.await(HOLD_UNREAD.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(Duration delay) {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    private static final class Abort extends RuntimeException {}
}
