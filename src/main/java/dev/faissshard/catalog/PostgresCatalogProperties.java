package dev.faissshard.catalog;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The images table read straight from PostgreSQL ({@code fsb.catalog.type: postgres}; the table is
 * {@code fsb.catalog.location}), streamed with a server-side cursor.
 *
 * @param url the database, as {@code postgresql://user:password@host:5432/db} (Supabase's
 *     connection string) or {@code jdbc:postgresql://host:5432/db}
 * @param username user, if not in the URL
 * @param password password, if not in the URL; never logged
 * @param idColumn the id column (bigint, uuid or text); rows are streamed in its order
 * @param urlColumn the image URL column
 * @param filter an extra SQL condition, e.g. {@code processed = false}; operator configuration
 *     only, never taken from a request
 * @param fetchSize rows the cursor fetches per round trip
 * @param connectTimeout longest wait for a connection and its login
 * @param readTimeout longest wait for any one answer of the server (a page of the cursor included)
 */
@Validated
@ConfigurationProperties("fsb.catalog.postgres")
public record PostgresCatalogProperties(
        @DefaultValue("") @NotNull String url,
        @DefaultValue("") @NotNull String username,
        @DefaultValue("") @NotNull String password,
        @DefaultValue("id") @NotBlank String idColumn,
        @DefaultValue("image_url") @NotBlank String urlColumn,
        @DefaultValue("") @NotNull String filter,
        @DefaultValue("1000") @Min(1) @Max(100000) int fetchSize,
        @DefaultValue("10s") @NotNull Duration connectTimeout,
        @DefaultValue("60s") @NotNull Duration readTimeout) {

    @ConstructorBinding
    public PostgresCatalogProperties {
        if (idColumn != null) {
            TableNames.checkColumn(idColumn, "fsb.catalog.postgres.id-column");
        }
        if (urlColumn != null) {
            TableNames.checkColumn(urlColumn, "fsb.catalog.postgres.url-column");
        }
    }

    /** With the shipped timeouts: for tests and tools. */
    public PostgresCatalogProperties(
            String url,
            String username,
            String password,
            String idColumn,
            String urlColumn,
            String filter,
            int fetchSize) {
        this(
                url,
                username,
                password,
                idColumn,
                urlColumn,
                filter,
                fetchSize,
                Duration.ofSeconds(10),
                Duration.ofSeconds(60));
    }

    // The generated toString would print the password (and a URL that may carry one).
    @Override
    public String toString() {
        return "PostgresCatalogProperties[url=<redacted>, username="
                + username
                + ", password=<redacted>, idColumn="
                + idColumn
                + ", urlColumn="
                + urlColumn
                + ", filter="
                + filter
                + ", fetchSize="
                + fetchSize
                + ", connectTimeout="
                + connectTimeout
                + ", readTimeout="
                + readTimeout
                + "]";
    }
}
