package dev.faissshard.supabase;

import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Supabase Storage API ({@code <url>/storage/v1}), split by resource as the API is: {@link
 * #buckets()}, {@link #objects()} and {@link #resumableUploads(int)}. One instance, one connection
 * pool, serves the service's store and its image downloads. Failures are the {@link
 * SupabaseException} family.
 *
 * <p>Thread-safe.
 */
public final class SupabaseStorageApi implements AutoCloseable {

    static final String PATH = "/storage/v1";

    private final SupabaseHttp http;
    private final StorageBuckets buckets;
    private final StorageObjects objects;

    SupabaseStorageApi(SupabaseHttp http, JsonMapper json) {
        this.http = http;
        this.buckets = new StorageBuckets(http, json);
        this.objects = new StorageObjects(http, json);
    }

    public static SupabaseStorageApi create(
            WebClient.Builder webClient, SupabaseProperties properties, JsonMapper json) {
        return new SupabaseStorageApi(new SupabaseHttp(webClient, properties, PATH), json);
    }

    /** The API's root URL, e.g. {@code https://<ref>.supabase.co/storage/v1}. */
    public String baseUrl() {
        return http.baseUrl();
    }

    public StorageBuckets buckets() {
        return buckets;
    }

    public StorageObjects objects() {
        return objects;
    }

    /** Resumable (TUS) uploads sending {@code chunkBytes} per {@code PATCH}. */
    public ResumableUploads resumableUploads(int chunkBytes) {
        return new ResumableUploads(http, chunkBytes);
    }

    @Override
    public void close() {
        http.close();
    }
}
