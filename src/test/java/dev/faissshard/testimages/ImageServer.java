package dev.faissshard.testimages;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on 127.0.0.1 serving image bytes by path, for tests that fetch a catalogue
 * over the network. Unknown paths answer 404, like a CDN does for a deleted product photo.
 */
public final class ImageServer implements AutoCloseable {

    /** What a path answers. */
    public record Resource(int status, String contentType, byte[] body, long delayMillis) {}

    private final HttpServer server;
    private final ExecutorService threads;
    private final Map<String, Resource> resources = new ConcurrentHashMap<>();
    private final AtomicLong requests = new AtomicLong();

    public ImageServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
        threads = Executors.newFixedThreadPool(16);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
        server.start();
    }

    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    public void image(String path, byte[] jpeg) {
        resources.put(path, new Resource(200, "image/jpeg", jpeg, 0));
    }

    public void put(String path, Resource resource) {
        resources.put(path, resource);
    }

    public long requests() {
        return requests.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            Resource resource =
                    resources.getOrDefault(
                            exchange.getRequestURI().getPath(),
                            new Resource(
                                    404,
                                    "text/html",
                                    "<html><body>Not found</body></html>".getBytes(),
                                    0));
            if (resource.delayMillis() > 0) {
                try {
                    Thread.sleep(resource.delayMillis());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            exchange.getResponseHeaders().set("Content-Type", resource.contentType());
            exchange.sendResponseHeaders(
                    resource.status(), resource.body().length == 0 ? -1 : resource.body().length);
            if (resource.body().length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(resource.body());
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
