package dev.faissshard.fetch;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

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
 * @param maxBytes larger bodies are refused (as soon as the size is known)
 * @param maxRedirects redirects followed per image
 * @param retries extra attempts after a connection error or a 5xx / 429 answer
 * @param userAgent sent with every request
 */
@Validated
@ConfigurationProperties("fsb.fetch")
public record FetchProperties(@DefaultValue("32") @Min(1) @Max(1024) int concurrency,
        @DefaultValue("5s") @NotNull Duration connectTimeout, @DefaultValue("20s") @NotNull Duration readTimeout,
        @DefaultValue("60s") @NotNull Duration totalTimeout, @DefaultValue("20MB") @NotNull DataSize maxBytes,
        @DefaultValue("5") @Min(0) @Max(20) int maxRedirects, @DefaultValue("1") @Min(0) @Max(5) int retries,
        @DefaultValue("faiss-shard-builder/0.1 (+https://github.com/faiss-shard-builder)") @NotBlank String userAgent) {

    public FetchProperties {
        if (maxBytes != null && (maxBytes.toBytes() < 1 || maxBytes.toBytes() > Integer.MAX_VALUE - 8)) {
            throw new IllegalArgumentException("fsb.fetch.max-bytes must be between 1B and 2GB");
        }
    }
}
