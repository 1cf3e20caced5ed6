package dev.faissshard.supabase;

import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What an error response said, parsed from JSON ({@code {"statusCode":"404","error":…,"message":…,
 * "code":"NoSuchKey"}} from Storage, {@code {"code":"42P01","message":…}} from PostgREST) or kept
 * as plain text (TUS). Fields are parsed, never matched as strings: the key order differs between
 * routes.
 *
 * @param message the server's own message
 * @param code its error code ({@code NoSuchKey}, {@code 42703}, …), or empty
 * @param statusCode the code carried in the body, if any
 */
public record SupabaseErrorBody(String message, String code, Optional<Integer> statusCode) {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_TEXT = 300;

    public static SupabaseErrorBody parse(String text) {
        String body = text == null ? "" : text.strip();
        if (body.startsWith("{")) {
            try {
                JsonNode node = JSON.readTree(body);
                String message = firstText(node, "message", "error", "msg", "hint");
                String code = firstText(node, "code", "error");
                return new SupabaseErrorBody(
                        message.isEmpty() ? shorten(body) : message, code, statusCode(node));
            } catch (JacksonException ex) {
                // not JSON after all; keep the text
            }
        }
        return new SupabaseErrorBody(shorten(body), "", Optional.empty());
    }

    /** {@code message (code)} for exception messages and job reasons. */
    public String summary() {
        String text = message.isEmpty() ? "(empty body)" : message;
        return code.isEmpty() || code.equals(message) ? text : text + " (" + code + ")";
    }

    private static Optional<Integer> statusCode(JsonNode node) {
        JsonNode value = node.get("statusCode");
        if (value == null) {
            return Optional.empty();
        }
        if (value.isIntegralNumber()) {
            return Optional.of(value.intValue());
        }
        try {
            return Optional.of(Integer.parseInt(value.asString().strip()));
        } catch (NumberFormatException ex) {
            return Optional.empty();
        }
    }

    private static String firstText(JsonNode node, String... fields) {
        for (String field : fields) {
            JsonNode value = node.get(field);
            if (value != null && !value.isNull() && !value.asString().isBlank()) {
                return value.asString().strip();
            }
        }
        return "";
    }

    private static String shorten(String text) {
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "…";
    }
}
