package dev.faissshard.fetch;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How images are downloaded.
 *
 * @param concurrency requests in flight at most; more wait their turn
 * @param connectTimeout time to open a connection
 * @param readTimeout time to wait for the response headers and between body chunks
 * @param totalTimeout time for one image from request to last byte, redirects included
 * @param maxBytes larger bodies are refused (as soon as the size is known; for compressed bodies,
 *     the decoded size counts)
 * @param maxRedirects redirects followed per image
 * @param retries extra attempts after a connection error or a 5xx answer other than 503 (429 and
 *     503 back off the host and re-queue the image instead)
 * @param userAgent sent with every request; blank: {@code faiss-shard-builder/<version>} (add a
 *     contact URL of your own, e.g. {@code faiss-shard-builder/0.1 (+https://shop.example/bot)})
 * @param egress which network destinations image URLs and their redirects may reach
 * @param files which folders {@code file:} and relative image URLs may read
 * @param hostConcurrency requests in flight at most per host that no {@code hosts} entry limits
 * @param hostRate requests started per second at most per host that no {@code hosts} entry limits;
 *     0: no rate limit, only the concurrency limit
 * @param hosts limits for hosts matching a pattern ({@code cdn.shop.example}, {@code
 *     *.shopify.com}); the first matching entry applies, each matching host gets its own limits,
 *     and the pattern names the host class in metrics
 * @param maxRetryAfter longest a host is left alone after a 429 / 503, however long its {@code
 *     Retry-After} asks for, and the ceiling of the adaptive backoff
 * @param throttleBackoff first pause of a host that answers 429 / 503 without {@code Retry-After};
 *     doubled (with jitter) on each further throttled answer, reset by a success
 * @param throttleBudget how long one image may wait for its host's backoff to end, re-queued,
 *     before it is recorded as {@code throttled} (and retried by the next job)
 * @param tailTimeout how long the last tenth of a batch may take once the rest is done before the
 *     stragglers are abandoned as {@code tail_timeout} (retried by the next job); 0: never
 */
@Validated
@ConfigurationProperties("fsb.fetch")
public record FetchProperties(
        @DefaultValue("32") @Min(1) @Max(1024) int concurrency,
        @DefaultValue("5s") @NotNull Duration connectTimeout,
        @DefaultValue("20s") @NotNull Duration readTimeout,
        @DefaultValue("60s") @NotNull Duration totalTimeout,
        @DefaultValue("20MB") @NotNull DataSize maxBytes,
        @DefaultValue("5") @Min(0) @Max(20) int maxRedirects,
        @DefaultValue("1") @Min(0) @Max(5) int retries,
        @DefaultValue("") @Size(max = 256) String userAgent,
        @DefaultValue @Valid @NotNull Egress egress,
        @DefaultValue @Valid @NotNull Files files,
        @DefaultValue("8") @Min(1) @Max(1024) int hostConcurrency,
        @DefaultValue("0") @DecimalMin("0") @DecimalMax("10000") double hostRate,
        @DefaultValue @NotNull List<@Valid @NotNull Host> hosts,
        @DefaultValue("5m") @NotNull Duration maxRetryAfter,
        @DefaultValue("1s") @NotNull Duration throttleBackoff,
        @DefaultValue("2m") @NotNull Duration throttleBudget,
        @DefaultValue("2m") @NotNull Duration tailTimeout) {

    public FetchProperties {
        if (maxBytes != null
                && (maxBytes.toBytes() < 1 || maxBytes.toBytes() > Integer.MAX_VALUE - 8)) {
            throw new IllegalArgumentException("fsb.fetch.max-bytes must be between 1B and 2GB");
        }
        if (egress != null) {
            // Fails startup on a malformed entry instead of at the first fetch.
            new EgressPolicy(egress.allow(), egress.deny());
        }
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        userAgent = userAgent == null ? "" : userAgent.strip();
        requirePositive("max-retry-after", maxRetryAfter);
        requirePositive("throttle-backoff", throttleBackoff);
        requirePositive("throttle-budget", throttleBudget);
        if (tailTimeout != null && tailTimeout.isNegative()) {
            throw new IllegalArgumentException("fsb.fetch.tail-timeout must not be negative");
        }
        if (userAgent != null && userAgent.chars().anyMatch(c -> c < 0x20 || c > 0x7e)) {
            throw new IllegalArgumentException(
                    "fsb.fetch.user-agent must be printable ASCII (it is sent as a header)");
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value != null && (value.isZero() || value.isNegative())) {
            throw new IllegalArgumentException("fsb.fetch." + name + " must be positive");
        }
    }

    /**
     * Limits for the hosts one pattern matches.
     *
     * @param pattern a host name ({@code images.shop.example}, matched exactly), or {@code *.} and
     *     a domain ({@code *.shopify.com}: every host under it, not the domain itself); case is
     *     ignored
     * @param maxConcurrency requests in flight at most per matching host (default: {@code
     *     host-concurrency})
     * @param ratePerSecond requests started per second at most per matching host; 0: none (default:
     *     {@code host-rate})
     */
    public record Host(
            @NotBlank @Size(max = 253) String pattern,
            @Min(1) @Max(1024) Integer maxConcurrency,
            @DecimalMin("0") @DecimalMax("10000") Double ratePerSecond) {

        public Host {
            if (pattern != null && !pattern.isBlank()) {
                // Fails startup on a pattern that could never match.
                HostPattern.parse(pattern);
            }
        }
    }

    /**
     * The egress policy. Public addresses are always allowed; loopback, private, link-local (cloud
     * metadata), CGNAT, multicast, broadcast and reserved addresses only when listed here. The
     * Supabase project of {@code fsb.supabase.url} is not subject to it.
     *
     * @param allow address ranges ({@code 10.20.0.0/16}, {@code 127.0.0.1}) and host names ({@code
     *     images.internal}, {@code *.cdn.corp}) that may be reached although reserved
     * @param deny address ranges refused in addition, even when {@code allow} lists them
     */
    public record Egress(@DefaultValue List<String> allow, @DefaultValue List<String> deny) {

        public Egress {
            allow = allow == null ? List.of() : List.copyOf(allow);
            deny = deny == null ? List.of() : List.copyOf(deny);
        }
    }

    /**
     * Confinement of {@code file:} and relative image URLs: the real path (symbolic links followed)
     * must lie under an allowed folder and be a regular file.
     *
     * @param catalogueFolder whether the folder of the catalogue manifest (or the image folder)
     *     that names a file is an allowed folder for it
     * @param roots further folders every catalogue's image files may come from
     */
    public record Files(
            @DefaultValue("true") boolean catalogueFolder, @DefaultValue List<Path> roots) {

        public Files {
            roots = roots == null ? List.of() : List.copyOf(roots);
        }
    }
}
