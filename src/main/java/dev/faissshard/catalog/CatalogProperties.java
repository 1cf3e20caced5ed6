package dev.faissshard.catalog;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The catalogue a job reads when its request names none, and where a request may point instead.
 *
 * @param type how to read it
 * @param location a CSV or JSONL manifest, or a folder of images
 * @param idColumn name of the id column (CSV) or field (JSONL)
 * @param urlColumns names tried in order for the image URL column or field
 * @param allowedRoots folders under which catalogues named in a request must lie (real path,
 *     symlinks followed); relative request locations resolve against the first. Empty: the folder
 *     of {@code location} (the folder itself for a folder catalogue), or none when the configured
 *     catalogue is a table
 * @param maxLineLength longest line (CSV record, JSONL object) a catalogue file may have, in
 *     characters
 * @param maxSize largest catalogue file read; reading stops with an error beyond it
 */
@Validated
@ConfigurationProperties("fsb.catalog")
public record CatalogProperties(
        @DefaultValue("auto") @NotNull CatalogType type,
        @DefaultValue("samples/catalog.csv") @NotBlank String location,
        @DefaultValue("id") @NotBlank String idColumn,
        @DefaultValue({"image_url", "url"}) @NotNull List<String> urlColumns,
        List<String> allowedRoots,
        @DefaultValue("64KB") @NotNull DataSize maxLineLength,
        @DefaultValue("1GB") @NotNull DataSize maxSize) {

    @ConstructorBinding
    public CatalogProperties {
        allowedRoots =
                allowedRoots == null
                        ? List.of()
                        : allowedRoots.stream().filter(root -> !root.isBlank()).toList();
        if (maxLineLength != null
                && (maxLineLength.toBytes() < 1
                        || maxLineLength.toBytes() > Integer.MAX_VALUE / 2)) {
            throw new IllegalArgumentException(
                    "fsb.catalog.max-line-length must be between 1B and 1GB");
        }
        if (maxSize != null && maxSize.toBytes() < 1) {
            throw new IllegalArgumentException("fsb.catalog.max-size must be positive");
        }
    }

    /** The shipped defaults with another default catalogue: for tests and tools. */
    public CatalogProperties(
            CatalogType type, String location, String idColumn, List<String> urlColumns) {
        this(
                type,
                location,
                idColumn,
                urlColumns,
                List.of(),
                DataSize.ofKilobytes(64),
                DataSize.ofGigabytes(1));
    }

    public CatalogSpec spec() {
        return new CatalogSpec(type, location);
    }

    /**
     * The roots as absolute, normalised paths (not yet resolved: a root may be created after
     * startup).
     */
    public List<Path> roots() {
        if (!allowedRoots.isEmpty()) {
            return allowedRoots.stream()
                    .map(root -> Path.of(root).toAbsolutePath().normalize())
                    .toList();
        }
        if (type.isTable()) {
            return List.of();
        }
        Path configured = Path.of(location).toAbsolutePath().normalize();
        if (Files.isDirectory(configured)) {
            return List.of(configured);
        }
        return configured.getParent() == null ? List.of() : List.of(configured.getParent());
    }

    int maxLineChars() {
        return (int) maxLineLength.toBytes();
    }
}
