package dev.faissshard.catalog;

import java.net.URI;
import java.util.Objects;

/**
 * One image of the catalogue.
 *
 * @param id the catalogue's own id, as text: an integer or any string such as a UUID
 * @param imageUrl where to fetch the image: {@code http(s):} or {@code file:}
 */
public record CatalogEntry(String id, URI imageUrl) {

    public CatalogEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(imageUrl, "imageUrl");
        if (id.isBlank()) {
            throw new IllegalArgumentException("catalogue id must not be blank");
        }
    }
}
