package dev.faissshard.testsupabase;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request as the emulator's handlers see it: method, decoded path below the API root, query,
 * headers, body.
 */
final class Request {

    private final HttpExchange exchange;
    private final String method;
    private final String path;
    private final List<Map.Entry<String, String>> query;
    private byte[] body;

    Request(HttpExchange exchange, String apiRoot) {
        this.exchange = exchange;
        this.method = exchange.getRequestMethod();
        String raw = exchange.getRequestURI().getRawPath().substring(apiRoot.length());
        this.path = decode(raw);
        this.query = parseQuery(exchange.getRequestURI().getRawQuery());
    }

    String method() {
        return method;
    }

    /**
     * The path below the API root, percent-decoded once (a {@code +} stays a plus, as on the real
     * server).
     */
    String path() {
        return path;
    }

    String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    boolean hasHeader(String name) {
        return exchange.getRequestHeaders().containsKey(name);
    }

    List<Map.Entry<String, String>> query() {
        return query;
    }

    String queryParam(String name) {
        return query.stream()
                .filter(e -> e.getKey().equals(name))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
    }

    /** The declared body size, or -1 when the body is chunked. */
    long contentLength() {
        String value = header("Content-Length");
        return value == null ? -1 : Long.parseLong(value.strip());
    }

    byte[] body() {
        if (body == null) {
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return body;
    }

    /** Reads at most {@code count} bytes of the body, leaving the rest unread. */
    byte[] readBody(int count) {
        try {
            return exchange.getRequestBody().readNBytes(count);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    String bodyText() {
        return new String(body(), StandardCharsets.UTF_8);
    }

    static String decode(String raw) {
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static List<Map.Entry<String, String>> parseQuery(String raw) {
        List<Map.Entry<String, String>> params = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            return params;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name =
                    URLDecoder.decode(
                            eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value =
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.add(Map.entry(name, value));
        }
        return params;
    }

    static Map<String, String> single(Map<String, String> values) {
        return new LinkedHashMap<>(values);
    }
}
