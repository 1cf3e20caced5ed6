package dev.faissshard.catalog;

import dev.faissshard.supabase.SupabaseAccessDeniedException;
import dev.faissshard.supabase.SupabaseException;
import dev.faissshard.supabase.SupabaseHttpException;
import dev.faissshard.supabase.SupabaseResponse;
import dev.faissshard.supabase.SupabaseRestApi;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The images table through PostgREST ({@code /rest/v1/<table>}), read in id order by keyset pages
 * ({@code id=gt.<last id>}, never an offset, which gets slower with every page and skips or repeats
 * rows when the table changes). Reading stops at the first empty page, not at the first short one:
 * the server may cap pages below the size asked for.
 */
final class PostgrestCatalog implements Catalog {

    private static final Pattern ERROR_CODE = Pattern.compile("[A-Z0-9]{1,10}");

    private final SupabaseRestApi rest;
    private final JsonMapper json;
    private final SupabaseCatalogProperties properties;
    private final String table;
    private long rowsRead;

    PostgrestCatalog(
            SupabaseRestApi rest,
            JsonMapper json,
            SupabaseCatalogProperties properties,
            String table) {
        this.rest = rest;
        this.json = json;
        this.properties = properties;
        this.table = TableNames.checkTable(table);
    }

    /**
     * Reads one row now so that a wrong table, column, filter or key is refused when the job is
     * submitted.
     */
    PostgrestCatalog verified() {
        page(null, 1);
        return this;
    }

    @Override
    public Stream<CatalogEntry> entries() {
        rowsRead = 0;
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(
                        new Pages(), Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }

    @Override
    public OptionalLong size() {
        try {
            SupabaseResponse response = request(null, 1, true);
            String range = response.headers().getFirst("Content-Range");
            if (range != null && range.contains("/") && !range.endsWith("/*")) {
                return OptionalLong.of(
                        Long.parseLong(range.substring(range.indexOf('/') + 1).strip()));
            }
        } catch (RuntimeException ex) {
            // the size only feeds the ETA
        }
        return OptionalLong.empty();
    }

    @Override
    public String description() {
        return "supabase:" + rest.baseUrl() + "/" + table;
    }

    /** By key: {@code <id column>=eq.<id>}, with the configured filters. */
    @Override
    public Optional<CatalogEntry> find(String id) {
        SupabaseResponse response;
        try {
            response = send("eq." + encode(id), 1, false);
        } catch (SupabaseHttpException ex) {
            // An id that is no value of the column's type (22P02) is no row.
            if ("22P02".equals(ex.body().code())) {
                return Optional.empty();
            }
            throw translate(ex);
        } catch (SupabaseException ex) {
            throw translate(ex);
        }
        return rows(response).stream().filter(entry -> entry.id().equals(id)).findFirst();
    }

    private List<CatalogEntry> page(String afterId, int limit) {
        return rows(request(afterId == null ? null : "gt." + encode(afterId), limit, false));
    }

    private List<CatalogEntry> rows(SupabaseResponse response) {
        JsonNode rows;
        try {
            rows = json.readTree(response.body());
        } catch (JacksonException ex) {
            // Jackson's message would quote the body; the cause is left out for the same reason.
            throw new CatalogUnavailableException(
                    description() + ": PostgREST answered a body that is not JSON", null);
        }
        if (rows == null || !rows.isArray()) {
            throw new CatalogUnavailableException(
                    description() + ": PostgREST answered something other than a JSON array", null);
        }
        List<CatalogEntry> entries = new ArrayList<>(rows.size());
        for (JsonNode row : rows) {
            entries.add(entry(row, ++rowsRead));
        }
        return entries;
    }

    /**
     * @param idCondition a PostgREST condition on the id column ({@code gt.<id>}, {@code eq.<id>}),
     *     already encoded; null for none
     */
    private SupabaseResponse request(String idCondition, int limit, boolean count) {
        try {
            return send(idCondition, limit, count);
        } catch (SupabaseException ex) {
            throw translate(ex);
        }
    }

    private SupabaseResponse send(String idCondition, int limit, boolean count) {
        StringBuilder query =
                new StringBuilder("select=")
                        .append(properties.idColumn())
                        .append(',')
                        .append(properties.urlColumn())
                        .append("&order=")
                        .append(properties.idColumn())
                        .append(".asc&limit=")
                        .append(limit);
        if (idCondition != null) {
            query.append('&').append(properties.idColumn()).append('=').append(idCondition);
        }
        for (String filter : properties.filter().split("&")) {
            // Encoded here so that a filter value with spaces or quotes still makes a valid URL.
            int eq = filter.indexOf('=');
            if (eq > 0) {
                query.append('&')
                        .append(encode(filter.substring(0, eq)))
                        .append('=')
                        .append(encode(filter.substring(eq + 1)));
            }
        }
        // Estimated: exact up to the server's row cap, the planner's estimate beyond, so huge
        // tables stay cheap.
        return rest.get(
                table, query.toString(), count ? Map.of("Prefer", "count=estimated") : Map.of());
    }

    /**
     * The one place where PostgREST failures become catalogue exceptions. Only the HTTP status and
     * PostgREST's error code are used: the body's message may quote data or hint at other tables.
     */
    private RuntimeException translate(SupabaseException failure) {
        if (failure instanceof SupabaseHttpException http) {
            String code =
                    http.body().code() == null || !ERROR_CODE.matcher(http.body().code()).matches()
                            ? ""
                            : ", code " + http.body().code();
            String answered = "PostgREST answered HTTP " + http.httpStatus() + code;
            if (http.isTransient()) {
                return new CatalogUnavailableException(description() + ": " + answered, null);
            }
            String what =
                    switch (http.body().code() == null ? "" : http.body().code()) {
                        case "PGRST205", "42P01" -> "the table does not exist or is not exposed";
                        case "42703", "PGRST204" ->
                                "column '"
                                        + properties.idColumn()
                                        + "' or '"
                                        + properties.urlColumn()
                                        + "' does not exist";
                        case "42501" -> "permission denied";
                        default ->
                                http instanceof SupabaseAccessDeniedException
                                        ? "access refused"
                                        : "the read was refused";
                    };
            return new CatalogNotFoundException(
                    description() + ": " + what + " (" + answered + ")");
        }
        // Timeout, broken connection, oversized answer: the type says which; the message is left
        // out.
        return new CatalogUnavailableException(
                description()
                        + ": PostgREST did not answer ("
                        + failure.getClass().getSimpleName()
                        + ")",
                null);
    }

    private CatalogEntry entry(JsonNode row, long number) {
        JsonNode idNode = row.get(properties.idColumn());
        String id =
                idNode == null || idNode.isNull()
                        ? ""
                        : idNode.isIntegralNumber()
                                ? idNode.bigIntegerValue().toString()
                                : idNode.asString().strip();
        // Rows are named by their position in the read, never by their values.
        if (id.isEmpty()) {
            throw new CatalogFormatException(
                    description() + " row " + number + ": empty " + properties.idColumn());
        }
        JsonNode url = row.get(properties.urlColumn());
        if (url == null || url.isNull() || url.asString().isBlank()) {
            throw new CatalogFormatException(
                    description() + " row " + number + ": empty " + properties.urlColumn());
        }
        // A malformed URL fails its row alone (invalid_url), not the job.
        return new CatalogEntry(id, ImageUrls.absolute(url.asString()));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private final class Pages implements Iterator<CatalogEntry> {

        private Iterator<CatalogEntry> current = List.<CatalogEntry>of().iterator();
        private String lastId;
        private boolean exhausted;

        @Override
        public boolean hasNext() {
            while (!current.hasNext() && !exhausted) {
                List<CatalogEntry> next = page(lastId, properties.pageSize());
                if (next.isEmpty()) {
                    exhausted = true;
                } else {
                    lastId = next.get(next.size() - 1).id();
                    current = next.iterator();
                }
            }
            return current.hasNext();
        }

        @Override
        public CatalogEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.next();
        }
    }
}
