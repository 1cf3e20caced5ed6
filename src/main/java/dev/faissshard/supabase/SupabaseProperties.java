package dev.faissshard.supabase;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How to reach a Supabase project: shared by the Storage client, the PostgREST catalogue and image
 * fetches from storage buckets.
 *
 * @param url the project URL ({@code https://<ref>.supabase.co}); Storage is under {@code
 *     /storage/v1}, PostgREST under {@code /rest/v1}
 * @param key the API key sent as {@code apikey} and {@code Authorization: Bearer}; the service role
 *     key bypasses row-level security, the anon key works where the policies allow it
 * @param connectTimeout time to open a connection
 * @param readTimeout time to wait for response headers and between body chunks
 * @param retry how transient failures are retried
 */
@Validated
@ConfigurationProperties("fsb.supabase")
public record SupabaseProperties(
        URI url,
        String key,
        @DefaultValue("5s") @NotNull Duration connectTimeout,
        @DefaultValue("60s") @NotNull Duration readTimeout,
        @DefaultValue @Valid @NotNull Retry retry) {

    public SupabaseProperties {
        if (url != null && url.toString().isBlank()) {
            url = null;
        }
        if (url != null
                && (url.getScheme() == null
                        || url.getHost() == null
                        || !(url.getScheme().equals("http") || url.getScheme().equals("https")))) {
            throw new IllegalArgumentException(
                    "fsb.supabase.url must be an http(s) URL such as https://<ref>.supabase.co");
        }
        if (key != null && key.isBlank()) {
            key = null;
        }
    }

    /** Whether both the URL and the key are set. */
    public boolean configured() {
        return url != null && key != null;
    }

    /** Fails with a message naming the missing setting (never the key's value). */
    public void requireConfigured(String feature) {
        if (url == null) {
            throw new IllegalStateException(feature + " needs fsb.supabase.url (SUPABASE_URL)");
        }
        if (key == null) {
            throw new IllegalStateException(feature + " needs fsb.supabase.key (SUPABASE_KEY)");
        }
    }

    /** The base URL without a trailing slash. */
    public String baseUrl() {
        String text = url.toString();
        return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
    }

    // A record's generated toString would print the key into any log line or exception that
    // mentions us.
    @Override
    public String toString() {
        return "SupabaseProperties[url="
                + url
                + ", key="
                + (key == null ? "<unset>" : "<redacted>")
                + ", connectTimeout="
                + connectTimeout
                + ", readTimeout="
                + readTimeout
                + ", retry="
                + retry
                + "]";
    }

    /**
     * Retries of transient failures: timeouts, connection resets, 5xx and 429.
     *
     * @param maxAttempts attempts per call, the first included
     * @param initialBackoff wait before the first retry
     * @param maxBackoff longest wait between attempts (a longer {@code Retry-After} is capped to
     *     it)
     * @param multiplier growth of the wait per attempt
     */
    public record Retry(
            @DefaultValue("6") int maxAttempts,
            @DefaultValue("200ms") @NotNull Duration initialBackoff,
            @DefaultValue("20s") @NotNull Duration maxBackoff,
            @DefaultValue("2.0") double multiplier) {

        public Retry {
            if (maxAttempts < 1 || maxAttempts > 50) {
                throw new IllegalArgumentException(
                        "fsb.supabase.retry.max-attempts must be between 1 and 50");
            }
            if (multiplier < 1.0) {
                throw new IllegalArgumentException(
                        "fsb.supabase.retry.multiplier must be at least 1.0");
            }
            if (initialBackoff != null
                    && maxBackoff != null
                    && (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0)) {
                throw new IllegalArgumentException(
                        "fsb.supabase.retry.max-backoff must be at least initial-backoff, and neither negative");
            }
        }
    }
}
