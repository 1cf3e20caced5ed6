package dev.faissshard.catalog;

import java.util.Objects;

/**
 * Which catalogue to read.
 *
 * @param type how to read it
 * @param location a manifest file or an image folder
 */
public record CatalogSpec(CatalogType type, String location) {

    public CatalogSpec {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(location, "location");
    }
}
