package dev.faissshard.catalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Opens the catalogue a spec names; fails at once, with a clear message, if it cannot be read. File
 * locations named in a request are confined by {@link CatalogLocations}; the configured default is
 * the operator's and only has to be a regular file or folder. Every file is read within the
 * configured bounds.
 */
@Component
public class CatalogFactory {

    private final CatalogProperties properties;
    private final JsonMapper json;
    private final TableCatalogs tables;
    private final CatalogLocations locations;

    CatalogFactory(CatalogProperties properties, JsonMapper json, TableCatalogs tables) {
        this.properties = properties;
        this.json = json;
        this.tables = tables;
        this.locations = new CatalogLocations(properties.roots());
    }

    /** Which catalogue a job reads when its request names none. */
    public CatalogSpec configuredSpec() {
        return properties.spec();
    }

    /** The configured default catalogue ({@code fsb.catalog}). */
    public Catalog openConfigured() {
        CatalogSpec spec = properties.spec();
        if (spec.type().isTable()) {
            return tables.open(spec.type(), spec.location());
        }
        return open(spec.type(), CatalogLocations.configured(spec.location()));
    }

    /** A catalogue named in a job request: files and folders only under the allowed roots. */
    public Catalog openRequested(CatalogSpec spec) {
        if (spec.type().isTable()) {
            return tables.open(spec.type(), spec.location());
        }
        return open(spec.type(), locations.requested(spec.location()));
    }

    private Catalog open(CatalogType declared, Path location) {
        boolean folder = Files.isDirectory(location);
        CatalogType type = declared == CatalogType.AUTO ? detect(location, folder) : declared;
        if ((type == CatalogType.FOLDER) != folder) {
            throw new CatalogNotFoundException(
                    "Catalogue "
                            + location
                            + " is "
                            + (folder ? "a folder" : "a file")
                            + " but was declared "
                            + type.key());
        }
        CatalogFile file = new CatalogFile(location, properties.maxSize().toBytes());
        return switch (type) {
            case CSV ->
                    new CsvCatalog(
                            file,
                            properties.idColumn(),
                            properties.urlColumns(),
                            properties.maxLineChars());
            case JSONL ->
                    new JsonlCatalog(
                            file,
                            properties.idColumn(),
                            properties.urlColumns(),
                            json,
                            properties.maxLineChars());
            case FOLDER -> new FolderCatalog(location);
            case AUTO, SUPABASE, POSTGRES ->
                    throw new IllegalStateException(type + " is not a file catalogue");
        };
    }

    private static CatalogType detect(Path location, boolean folder) {
        if (folder) {
            return CatalogType.FOLDER;
        }
        String name = location.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".ndjson")
                ? CatalogType.JSONL
                : CatalogType.CSV;
    }
}
