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

    public CatalogFactory(CatalogProperties properties, JsonMapper json) {
        this.properties = properties;
        this.json = json;
    }

    public Catalog open(CatalogSpec spec) {
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
            case AUTO -> throw new IllegalStateException("detect() never returns AUTO");
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
