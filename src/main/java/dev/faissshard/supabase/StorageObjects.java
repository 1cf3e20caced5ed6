package dev.faissshard.supabase;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The object resource of the Storage API for standard (single-request) calls. Every call is retried
 * on transient failures; callers decide what a repeated call means (a retried create may meet its
 * own first attempt as "already exists").
 */
public final class StorageObjects {

    private static final String OBJECT = "/object/";
    // The authenticated route rejects a bad key instead of silently falling back to the anon role.
    private static final String AUTHENTICATED = "/object/authenticated/";
    private static final String LIST = "/object/list/";

    private final SupabaseHttp http;
    private final JsonMapper json;

    StorageObjects(SupabaseHttp http, JsonMapper json) {
        this.http = http;
        this.json = json;
    }

    /** A listing entry: a file (with its size) or a sub-folder. */
    public record Entry(String name, boolean folder, long size) {}

    /**
     * Uploads in one request; without {@code upsert} an existing key is a {@link
     * SupabaseAlreadyExistsException}, over the bucket's limit a {@link SupabaseTooLargeException}.
     */
    public void upload(String bucket, String key, byte[] data, String contentType, boolean upsert) {
        URI uri = URI.create(http.baseUrl() + OBJECT + bucket + "/" + ObjectPaths.encode(key));
        // Without upsert an existing key is refused from the headers alone, before the body is
        // read, and the
        // server keeps the connection: reused, it would hold the next request behind the unread
        // rest of the
        // body until the read timeout. So a create never shares its connection.
        WebClient client = upsert ? http.client() : http.unpooledClient();
        http.call(
                "upload " + bucket + "/" + key,
                () ->
                        client.post()
                                .uri(uri)
                                .header("x-upsert", Boolean.toString(upsert))
                                .contentType(MediaType.parseMediaType(contentType))
                                .contentLength(data.length)
                                .bodyValue(data));
    }

    /**
     * Whether the object exists, from a {@code HEAD} on the authenticated route. The server answers
     * a missing object (or bucket) with a bare 400 (a {@code HEAD} has no body to say more), which
     * says "not there" here; the upload that follows then reports precisely what is wrong.
     */
    public boolean exists(String bucket, String key) {
        URI uri =
                URI.create(http.baseUrl() + AUTHENTICATED + bucket + "/" + ObjectPaths.encode(key));
        try {
            http.call("check " + bucket + "/" + key, () -> http.client().head().uri(uri));
            return true;
        } catch (SupabaseNotFoundException ex) {
            return false;
        } catch (SupabaseHttpException ex) {
            if (ex.httpStatus() == 400) {
                return false;
            }
            throw ex;
        }
    }

    /** The object's bytes; a missing object is a {@link SupabaseNotFoundException}. */
    public byte[] download(String bucket, String key) {
        URI uri =
                URI.create(http.baseUrl() + AUTHENTICATED + bucket + "/" + ObjectPaths.encode(key));
        return http.call("download " + bucket + "/" + key, () -> http.client().get().uri(uri))
                .body();
    }

    /** Deletes the object; a missing one is a {@link SupabaseNotFoundException}. */
    public void delete(String bucket, String key) {
        URI uri = URI.create(http.baseUrl() + OBJECT + bucket + "/" + ObjectPaths.encode(key));
        http.call("delete " + bucket + "/" + key, () -> http.client().delete().uri(uri));
    }

    /**
     * One page of a folder listing ({@code folder} without slashes at either end; "" is the root).
     */
    public List<Entry> list(String bucket, String folder, int offset, int limit) {
        byte[] body =
                json.writeValueAsBytes(
                        Map.of(
                                "prefix",
                                folder,
                                "limit",
                                limit,
                                "offset",
                                offset,
                                "sortBy",
                                Map.of("column", "name", "order", "asc")));
        URI uri = URI.create(http.baseUrl() + LIST + bucket);
        JsonNode page =
                json.readTree(
                        http.call(
                                        "list " + bucket + "/" + folder,
                                        () ->
                                                http.client()
                                                        .post()
                                                        .uri(uri)
                                                        .contentType(MediaType.APPLICATION_JSON)
                                                        .bodyValue(body))
                                .body());
        List<Entry> entries = new ArrayList<>(page.size());
        for (JsonNode item : page) {
            boolean folderEntry = item.path("id").isNull() || item.path("id").isMissingNode();
            long size = item.path("metadata").path("size").asLong(0);
            entries.add(new Entry(item.path("name").asString(), folderEntry, size));
        }
        return entries;
    }
}
