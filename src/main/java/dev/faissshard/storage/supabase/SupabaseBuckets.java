package dev.faissshard.storage.supabase;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

import org.springframework.http.MediaType;

import dev.faissshard.supabase.SupabaseHttp;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The bucket resource of the Storage API: {@code /bucket/{id}}. */
final class SupabaseBuckets {

    private static final String BUCKET = "/bucket";

    private final SupabaseHttp http;
    private final JsonMapper json;

    SupabaseBuckets(SupabaseHttp http, JsonMapper json) {
        this.http = http;
        this.json = json;
    }

    /** Reads the bucket; fails with NoSuchBucket (as a {@code SupabaseHttpException}) if it is absent or hidden. */
    BucketInfo get(String bucket) {
        String description = "GET bucket " + bucket;
        JsonNode node = json.readTree(http.call(description,
                () -> http.client().get().uri(URI.create(http.baseUrl() + BUCKET + "/" + bucket))).body());
        JsonNode limit = node.get("file_size_limit");
        OptionalLong fileSizeLimit = limit == null || limit.isNull() || limit.asLong() <= 0 ? OptionalLong.empty()
                : OptionalLong.of(limit.asLong());
        return new BucketInfo(node.path("name").asString(bucket), node.path("public").asBoolean(false), fileSizeLimit);
    }

    /** Same as {@link #get} but sent once, without retries: for health checks, which must answer fast. */
    void ping(String bucket) {
        http.exchange("GET bucket " + bucket, http.client().get().uri(URI.create(http.baseUrl() + BUCKET + "/" + bucket)));
    }

    void create(String bucket, boolean publicBucket, long fileSizeLimit) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", bucket);
        body.put("name", bucket);
        body.put("public", publicBucket);
        if (fileSizeLimit > 0) {
            body.put("file_size_limit", fileSizeLimit);
        }
        byte[] request = json.writeValueAsBytes(body);
        http.call("create bucket " + bucket, () -> http.client().post().uri(URI.create(http.baseUrl() + BUCKET))
            .contentType(MediaType.APPLICATION_JSON).bodyValue(request));
    }
}
