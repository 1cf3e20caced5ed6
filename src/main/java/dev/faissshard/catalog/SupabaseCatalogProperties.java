package dev.faissshard.catalog;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The images table read through PostgREST ({@code fsb.catalog.type: supabase}; the table is {@code
 * fsb.catalog.location}, the connection {@code fsb.supabase}).
 *
 * @param idColumn the id column (bigint, uuid or text); rows are read in its order, by keyset pages
 * @param urlColumn the image URL column
 * @param filter extra PostgREST filters as a query string, e.g. {@code
 *     processed=is.false&deleted_at=is.null}
 * @param pageSize rows asked for per request; Supabase caps responses at 1,000 rows by default
 */
@Validated
@ConfigurationProperties("fsb.catalog.supabase")
public record SupabaseCatalogProperties(
        @DefaultValue("id") @NotBlank String idColumn,
        @DefaultValue("image_url") @NotBlank String urlColumn,
        @DefaultValue("") @NotNull String filter,
        @DefaultValue("1000") @Min(1) @Max(100000) int pageSize) {

    public SupabaseCatalogProperties {
        if (idColumn != null) {
            TableNames.checkColumn(idColumn, "fsb.catalog.supabase.id-column");
        }
        if (urlColumn != null) {
            TableNames.checkColumn(urlColumn, "fsb.catalog.supabase.url-column");
        }
        if (filter != null && (filter.startsWith("?") || filter.startsWith("&"))) {
            filter = filter.substring(1);
        }
    }
}
