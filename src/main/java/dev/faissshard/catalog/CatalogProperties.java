package dev.faissshard.catalog;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The catalogue a job reads when its request names none.
 *
 * @param type how to read it
 * @param location a CSV or JSONL manifest, or a folder of images
 * @param idColumn name of the id column (CSV) or field (JSONL)
 * @param urlColumns names tried in order for the image URL column or field
 */
@Validated
@ConfigurationProperties("fsb.catalog")
public record CatalogProperties(@DefaultValue("auto") @NotNull CatalogType type,
        @DefaultValue("samples/catalog.csv") @NotBlank String location, @DefaultValue("id") @NotBlank String idColumn,
        @DefaultValue({ "image_url", "url" }) @NotNull java.util.List<String> urlColumns) {

    public CatalogSpec spec() {
        return new CatalogSpec(type, location);
    }
}
