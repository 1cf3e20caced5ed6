package dev.faissshard.thumbnail;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Thumbnails of catalogue images ({@code GET /thumbnails/{id}}).
 *
 * @param size longest side of a thumbnail in pixels; smaller images are not enlarged
 * @param jpegQuality JPEG quality of the thumbnails, from 0.1 to 1
 * @param cacheMaxEntries thumbnails kept in memory at most
 * @param cacheMaxBytes bytes of thumbnails kept in memory at most
 * @param cacheTtl how long a kept thumbnail is served before its image is fetched again (the
 *     catalogue may have changed its URL)
 * @param maxAge how long a browser may reuse a thumbnail ({@code Cache-Control: private, max-age})
 * @param maxConcurrent thumbnails being fetched and encoded at once; each holds at most one image
 *     of {@code fsb.fetch.max-bytes}
 * @param maxWaiting requests that may wait for a free slot; more are answered 503 at once
 * @param waitTimeout how long a request waits for a free slot before it is answered 503
 */
@Validated
@ConfigurationProperties("fsb.thumbnail")
public record ThumbnailProperties(
        @DefaultValue("128") @Min(16) @Max(512) int size,
        @DefaultValue("0.85") @DecimalMin("0.1") @DecimalMax("1.0") double jpegQuality,
        @DefaultValue("2000") @Min(1) @Max(1_000_000) int cacheMaxEntries,
        @DefaultValue("32MB") @NotNull DataSize cacheMaxBytes,
        @DefaultValue("1h") @NotNull Duration cacheTtl,
        @DefaultValue("1h") @NotNull Duration maxAge,
        @DefaultValue("4") @Min(1) @Max(256) int maxConcurrent,
        @DefaultValue("64") @Min(0) @Max(10_000) int maxWaiting,
        @DefaultValue("10s") @NotNull Duration waitTimeout) {

    public ThumbnailProperties {
        if (cacheMaxBytes != null && cacheMaxBytes.toBytes() < 0) {
            throw new IllegalArgumentException(
                    "fsb.thumbnail.cache-max-bytes must not be negative");
        }
        requireNotNegative("cache-ttl", cacheTtl);
        requireNotNegative("max-age", maxAge);
        requireNotNegative("wait-timeout", waitTimeout);
    }

    /** The shipped defaults: for tests and tools. */
    public static ThumbnailProperties defaults() {
        return new ThumbnailProperties(
                128,
                0.85,
                2000,
                DataSize.ofMegabytes(32),
                Duration.ofHours(1),
                Duration.ofHours(1),
                4,
                64,
                Duration.ofSeconds(10));
    }

    private static void requireNotNegative(String name, Duration value) {
        if (value != null && value.isNegative()) {
            throw new IllegalArgumentException("fsb.thumbnail." + name + " must not be negative");
        }
    }
}
