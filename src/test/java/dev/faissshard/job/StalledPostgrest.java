package dev.faissshard.job;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A PostgREST on loopback that answers the one-row probe a job submission makes, then stops
 * answering: every further read (the row count, the pages) hangs until {@link #close()}, as a
 * database or a network that stopped mid-read would. It stands for any catalogue source that
 * blocks.
 */
final class StalledPostgrest implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService threads =
            Executors.newCachedThreadPool(
                    task -> {
                        Thread thread = new Thread(task, "stalled-postgrest");
                        thread.setDaemon(true);
                        return thread;
                    });
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicInteger stalled = new AtomicInteger();

    StalledPostgrest() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/rest/v1/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Reads hanging right now or before. */
    int stalledReads() {
        return stalled.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String query = exchange.getRequestURI().getRawQuery();
            boolean probe =
                    query != null
                            && query.contains("limit=1")
                            && !query.contains("=gt.")
                            && exchange.getRequestHeaders().getFirst("Prefer") == null;
            if (!probe) {
                stalled.incrementAndGet();
                try {
                    released.await(10, TimeUnit.MINUTES);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
            byte[] body =
                    "[{\"id\":1,\"image_url\":\"http://127.0.0.1:9/1.jpg\"}]"
                            .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
