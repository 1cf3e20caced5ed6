package dev.faissshard.testsupabase;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import tools.jackson.databind.json.JsonMapper;

/**
 * The subset of PostgREST a catalogue reader uses, with its documented semantics: {@code select},
 * horizontal filters ({@code eq, neq, gt, gte, lt, lte, is}), {@code order}, {@code limit}, a
 * {@code max-rows} cap (Supabase's default: 1,000), {@code Prefer: count=exact} with {@code
 * Content-Range}, and PostgREST's JSON errors for unknown tables and columns. Requests need {@code
 * apikey} like Supabase's gateway does.
 */
final class EmulatedPostgrest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, List<Map<String, Object>>> tables = new TreeMap<>();
    private final String serviceKey;
    private final String anonKey;
    private int maxRows = 1000;

    EmulatedPostgrest(String serviceKey, String anonKey) {
        this.serviceKey = serviceKey;
        this.anonKey = anonKey;
    }

    synchronized void table(String name, List<Map<String, Object>> rows) {
        tables.put(name, new ArrayList<>(rows));
    }

    synchronized void maxRows(int maxRows) {
        this.maxRows = maxRows;
    }

    synchronized Reply handle(Request request) {
        String apikey = request.header("apikey");
        if (apikey == null) {
            return Reply.json(
                    401,
                    "{\"message\":\"No API key found in request\",\"hint\":\"No `apikey` request header or url param was found.\"}");
        }
        if (!apikey.equals(serviceKey) && !apikey.equals(anonKey)) {
            return Reply.json(
                    401,
                    "{\"message\":\"Invalid API key\",\"hint\":\"Double check your Supabase `anon` or `service_role` API key.\"}");
        }
        if (!request.method().equals("GET")) {
            return Reply.json(
                    405,
                    "{\"code\":\"PGRST117\",\"details\":null,\"hint\":null,\"message\":\"Unsupported HTTP method\"}");
        }
        String table = request.path().replaceFirst("^/", "");
        List<Map<String, Object>> rows = tables.get(table);
        if (rows == null) {
            return Reply.json(
                    404,
                    "{\"code\":\"PGRST205\",\"details\":null,\"hint\":null,\"message\":\"Could not find the table 'public."
                            + Reply.escape(table)
                            + "' in the schema cache\"}");
        }
        List<String> columns = rows.isEmpty() ? List.of() : new ArrayList<>(rows.get(0).keySet());
        Predicate<Map<String, Object>> filter = row -> true;
        List<String> select = null;
        Comparator<Map<String, Object>> order = null;
        int limit = Integer.MAX_VALUE;
        for (Map.Entry<String, String> param : request.query()) {
            String name = param.getKey();
            String value = param.getValue();
            switch (name) {
                case "select" -> select = List.of(value.split(","));
                case "limit" -> limit = Integer.parseInt(value);
                case "order" -> {
                    String[] parts = value.split("\\.");
                    if (!columns.isEmpty() && !columns.contains(parts[0])) {
                        return unknownColumn(table, parts[0]);
                    }
                    Comparator<Map<String, Object>> byColumn =
                            (a, b) -> compare(a.get(parts[0]), b.get(parts[0]));
                    order =
                            parts.length > 1 && parts[1].equals("desc")
                                    ? byColumn.reversed()
                                    : byColumn;
                }
                default -> {
                    if (!columns.isEmpty() && !columns.contains(name)) {
                        return unknownColumn(table, name);
                    }
                    int dot = value.indexOf('.');
                    if (dot < 0) {
                        return Reply.json(
                                400,
                                "{\"code\":\"PGRST100\",\"details\":\"unexpected end of input\",\"hint\":null,\"message\":\"\\\"failed to parse filter ("
                                        + Reply.escape(value)
                                        + ")\\\" (line 1, column 1)\"}");
                    }
                    filter =
                            filter.and(
                                    condition(
                                            name,
                                            value.substring(0, dot),
                                            value.substring(dot + 1)));
                }
            }
        }
        if (select != null) {
            for (String column : select) {
                if (!column.equals("*") && !columns.isEmpty() && !columns.contains(column)) {
                    return unknownColumn(table, column);
                }
            }
        }
        List<Map<String, Object>> matching = rows.stream().filter(filter).toList();
        if (order != null) {
            matching = matching.stream().sorted(order).toList();
        }
        int count = Math.min(Math.min(limit, maxRows), matching.size());
        List<Map<String, Object>> page = new ArrayList<>();
        for (Map<String, Object> row : matching.subList(0, count)) {
            Map<String, Object> projected = new LinkedHashMap<>();
            for (Map.Entry<String, Object> entry : row.entrySet()) {
                if (select == null || select.contains("*") || select.contains(entry.getKey())) {
                    projected.put(
                            entry.getKey(),
                            entry.getValue() instanceof UUID uuid
                                    ? uuid.toString()
                                    : entry.getValue());
                }
            }
            page.add(projected);
        }
        Reply reply = Reply.json(200, JSON.writeValueAsString(page));
        String prefer = request.header("Prefer");
        // A small table's estimate is its exact count, as PostgREST gives below db-max-rows.
        String total =
                prefer != null
                                && (prefer.contains("count=exact")
                                        || prefer.contains("count=estimated"))
                        ? Integer.toString(matching.size())
                        : "*";
        reply.with(
                "Content-Range", (page.isEmpty() ? "*" : "0-" + (page.size() - 1)) + "/" + total);
        return reply;
    }

    private static Reply unknownColumn(String table, String column) {
        return Reply.json(
                400,
                "{\"code\":\"42703\",\"details\":null,\"hint\":null,\"message\":\"column "
                        + Reply.escape(table)
                        + "."
                        + Reply.escape(column)
                        + " does not exist\"}");
    }

    private static Predicate<Map<String, Object>> condition(
            String column, String operator, String operand) {
        return row -> {
            Object value = row.get(column);
            return switch (operator) {
                case "is" ->
                        switch (operand) {
                            case "null" -> value == null;
                            case "true" -> Boolean.TRUE.equals(value);
                            case "false" -> Boolean.FALSE.equals(value);
                            default -> false;
                        };
                case "eq" -> value != null && compare(value, operand) == 0;
                case "neq" -> value != null && compare(value, operand) != 0;
                case "gt" -> value != null && compare(value, operand) > 0;
                case "gte" -> value != null && compare(value, operand) >= 0;
                case "lt" -> value != null && compare(value, operand) < 0;
                case "lte" -> value != null && compare(value, operand) <= 0;
                default -> false;
            };
        };
    }

    // Numbers compare as numbers, everything else (text, uuid) as text, as PostgreSQL would for
    // those types.
    private static int compare(Object a, Object b) {
        if (a instanceof Number || b instanceof Number) {
            return new BigDecimal(a.toString()).compareTo(new BigDecimal(b.toString()));
        }
        if (a instanceof Boolean || b instanceof Boolean) {
            return Boolean.compare(
                    Boolean.parseBoolean(a.toString()), Boolean.parseBoolean(b.toString()));
        }
        return a.toString().compareTo(b.toString());
    }
}
