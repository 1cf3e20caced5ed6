package dev.faissshard.supabase;

import java.net.URI;
import java.util.Map;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Supabase's REST API, PostgREST ({@code <url>/rest/v1}): reads of exposed tables. Failures are the
 * {@link SupabaseException} family; PostgREST's own error codes ({@code PGRST205}, {@code 42703})
 * are in {@link SupabaseHttpException#body()}.
 *
 * <p>Thread-safe.
 */
public final class SupabaseRestApi implements AutoCloseable {

    static final String PATH = "/rest/v1";

    private final SupabaseHttp http;

    SupabaseRestApi(SupabaseHttp http) {
        this.http = http;
    }

    public static SupabaseRestApi create(
            WebClient.Builder webClient, SupabaseProperties properties) {
        return new SupabaseRestApi(new SupabaseHttp(webClient, properties, PATH));
    }

    /** The API's root URL, e.g. {@code https://<ref>.supabase.co/rest/v1}. */
    public String baseUrl() {
        return http.baseUrl();
    }

    /**
     * {@code GET /<table>?<query>} with retries of transient failures.
     *
     * @param query the encoded query string, without {@code ?}
     * @param headers extra request headers ({@code Prefer: count=estimated})
     */
    public SupabaseResponse get(String table, String query, Map<String, String> headers) {
        URI uri = URI.create(http.baseUrl() + "/" + table + "?" + query);
        return http.call(
                "read " + table,
                () -> {
                    var request = http.client().get().uri(uri).header("Accept", "application/json");
                    headers.forEach(request::header);
                    return request;
                });
    }

    @Override
    public void close() {
        http.close();
    }
}
