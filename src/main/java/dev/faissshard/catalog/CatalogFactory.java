package dev.faissshard.catalog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import org.springframework.stereotype.Component;

import tools.jackson.databind.json.JsonMapper;

/** Opens the catalogue a spec names; fails at once, with a clear message, if it does not exist. */
@Component
public class CatalogFactory {

    private final CatalogProperties properties;
    private final JsonMapper json;
    private final TableCatalogs tables;

    CatalogFactory(CatalogProperties properties, JsonMapper json, TableCatalogs tables) {
        this.properties = properties;
        this.json = json;
        this.tables = tables;
    }

    public Catalog open(CatalogSpec spec) {
        if (spec.type().isTable()) {
            return tables.open(spec.type(), spec.location());
        }
        Path location = Path.of(spec.location());
        if (!Files.exists(location)) {
            throw new CatalogNotFoundException("Catalogue " + spec.location() + " does not exist");
        }
        if (!Files.isReadable(location)) {
            throw new CatalogNotFoundException("Catalogue " + spec.location() + " is not readable");
        }
        CatalogType type = spec.type() == CatalogType.AUTO ? detect(location) : spec.type();
        if ((type == CatalogType.FOLDER) != Files.isDirectory(location)) {
            throw new CatalogNotFoundException("Catalogue " + spec.location() + " is "
                    + (Files.isDirectory(location) ? "a folder" : "a file") + " but was declared " + type.key());
        }
        return switch (type) {
            case CSV -> new CsvCatalog(location, properties.idColumn(), properties.urlColumns());
            case JSONL -> new JsonlCatalog(location, properties.idColumn(), properties.urlColumns(), json);
            case FOLDER -> new FolderCatalog(location);
            case AUTO, SUPABASE, POSTGRES -> throw new IllegalStateException(type + " is not a file catalogue");
        };
    }

    private static CatalogType detect(Path location) {
        if (Files.isDirectory(location)) {
            return CatalogType.FOLDER;
        }
        String name = location.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jsonl") || name.endsWith(".ndjson") ? CatalogType.JSONL : CatalogType.CSV;
    }
}
