package dev.faissshard.testsupabase;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** One answer of the emulator, sent in one place so that a fault can replace or drop it. */
record Reply(int status, Map<String, String> headers, byte[] body, boolean beforeBody) {

    Reply(int status, Map<String, String> headers, byte[] body) {
        this(status, headers, body, false);
    }

    /**
     * This answer goes out before the request body is read, and the body is read (and dropped) only
     * afterwards, on the same kept-alive connection: how the real server (Node) answers some
     * errors.
     */
    Reply early() {
        return new Reply(status, headers, body, true);
    }

    static final String JSON = "application/json; charset=utf-8";
    static final String TEXT = "text/plain;charset=UTF-8";

    static Reply json(int status, String body) {
        return new Reply(
                status,
                new LinkedHashMap<>(Map.of("Content-Type", JSON)),
                body.getBytes(StandardCharsets.UTF_8));
    }

    static Reply text(int status, String body) {
        return new Reply(
                status,
                new LinkedHashMap<>(Map.of("Content-Type", TEXT)),
                body.getBytes(StandardCharsets.UTF_8));
    }

    static Reply empty(int status) {
        return new Reply(status, new LinkedHashMap<>(), new byte[0]);
    }

    static Reply bytes(int status, String contentType, byte[] body) {
        return new Reply(status, new LinkedHashMap<>(Map.of("Content-Type", contentType)), body);
    }

    /**
     * Storage's REST error form: HTTP 400 with the real code as a string in {@code statusCode}
     * (CONTRACT.md §1).
     */
    static Reply storageError(String statusCode, String error, String message, String code) {
        return json(
                400,
                "{\"statusCode\":\""
                        + statusCode
                        + "\",\"error\":\""
                        + escape(error)
                        + "\",\"message\":\""
                        + escape(message)
                        + "\",\"code\":\""
                        + code
                        + "\"}");
    }

    Reply with(String header, String value) {
        headers.put(header, value);
        return this;
    }

    static String escape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
