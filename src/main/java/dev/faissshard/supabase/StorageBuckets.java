package dev.faissshard.supabase;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.springframework.http.MediaType;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The bucket resource of the Storage API: {@code /bucket/{id}}. */
public final class StorageBuckets {

    private static final String BUCKET = "/bucket";

    private final SupabaseHttp http;
    private final JsonMapper json;

    StorageBuckets(SupabaseHttp http, JsonMapper json) {
        this.http = http;
        this.json = json;
    }

    /**
     * Reads the bucket; a {@link SupabaseNotFoundException} ({@link
     * SupabaseNotFoundException#bucketMissing()}) if it is absent or hidden from this key.
     */
    public BucketInfo get(String bucket) {
        String description = "GET bucket " + bucket;
        JsonNode node =
                json.readTree(
                        http.call(description, () -> http.client().get().uri(uri(bucket))).body());
        JsonNode limit = node.get("file_size_limit");
        OptionalLong fileSizeLimit =
                limit == null || limit.isNull() || limit.asLong() <= 0
                        ? OptionalLong.empty()
                        : OptionalLong.of(limit.asLong());
        return new BucketInfo(
                node.path("name").asString(bucket),
                node.path("public").asBoolean(false),
                fileSizeLimit);
    }

    /**
     * Same as {@link #get} but sent once, without retries: for health checks, which must answer
     * fast.
     */
    public void ping(String bucket) {
        http.exchange("GET bucket " + bucket, http.client().get().uri(uri(bucket)));
    }

    /** Creates the bucket; a {@link SupabaseAlreadyExistsException} if it exists. */
    public void create(String bucket, boolean publicBucket, long fileSizeLimit) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", bucket);
        body.put("name", bucket);
        body.put("public", publicBucket);
        if (fileSizeLimit > 0) {
            body.put("file_size_limit", fileSizeLimit);
        }
        byte[] request = json.writeValueAsBytes(body);
        http.call(
                "create bucket " + bucket,
                () ->
                        http.client()
                                .post()
                                .uri(URI.create(http.baseUrl() + BUCKET))
                                .contentType(MediaType.APPLICATION_JSON)
                                .bodyValue(request));
    }

    private URI uri(String bucket) {
        return URI.create(http.baseUrl() + BUCKET + "/" + bucket);
    }
}
