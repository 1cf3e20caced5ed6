package dev.faissshard.catalog;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/** Where the list of images comes from. Implementations stream; none loads the whole catalogue. */
public interface Catalog {

    /**
     * Streams every entry in a stable order. The caller closes the stream (it may hold a file or a
     * database cursor open).
     */
    Stream<CatalogEntry> entries();

    /** The number of entries when it is cheap to know (used for ETA), else empty. */
    OptionalLong size();

    /** Where this catalogue reads from, for job views and logs; never contains secrets. */
    String description();

    /**
     * The entry with this id, if the catalogue has one. Files and folders are read until the id is
     * found (at most once through); tables override this with a lookup by key.
     */
    default Optional<CatalogEntry> find(String id) {
        try (Stream<CatalogEntry> entries = entries()) {
            return entries.filter(entry -> entry.id().equals(id)).findFirst();
        }
    }
}
