package dev.faissshard.fetch;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
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
 * @param retries extra attempts after a connection error or a 5xx / 429 answer
 * @param userAgent sent with every request
 * @param egress which network destinations image URLs and their redirects may reach
 * @param files which folders {@code file:} and relative image URLs may read
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
        @DefaultValue("faiss-shard-builder/0.1 (+https://github.com/faiss-shard-builder)") @NotBlank
                String userAgent,
        @DefaultValue @Valid @NotNull Egress egress,
        @DefaultValue @Valid @NotNull Files files) {

    public FetchProperties {
        if (maxBytes != null
                && (maxBytes.toBytes() < 1 || maxBytes.toBytes() > Integer.MAX_VALUE - 8)) {
            throw new IllegalArgumentException("fsb.fetch.max-bytes must be between 1B and 2GB");
        }
        if (egress != null) {
            // Fails startup on a malformed entry instead of at the first fetch.
            new EgressPolicy(egress.allow(), egress.deny());
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
