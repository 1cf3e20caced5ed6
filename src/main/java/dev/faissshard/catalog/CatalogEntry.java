package dev.faissshard.catalog;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One image of the catalogue.
 *
 * @param id the catalogue's own id, as text: an integer or any string such as a UUID
 * @param imageUrl where to fetch the image: {@code http(s):}, {@code supabase:} or {@code file:}
 * @param folder the folder of the catalogue file (or image folder) that named the image, where its
 *     local files may be read from; null for catalogues that are no file (database tables)
 * @param revision what says the row's image changed when its URL did not: the catalogue's {@code
 *     updated_at} or content hash, as text; null when the catalogue gives none
 */
public record CatalogEntry(String id, URI imageUrl, Path folder, String revision) {

    public CatalogEntry {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(imageUrl, "imageUrl");
        if (id.isBlank()) {
            throw new IllegalArgumentException("catalogue id must not be blank");
        }
    }

    /** An entry without a revision. */
    public CatalogEntry(String id, URI imageUrl, Path folder) {
        this(id, imageUrl, folder, null);
    }

    /**
     * An entry of a catalogue that is no file: its {@code file:} URLs may only read the configured
     * roots.
     */
    public CatalogEntry(String id, URI imageUrl) {
        this(id, imageUrl, null, null);
    }
}
