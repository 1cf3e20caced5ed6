package dev.faissshard.build;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.failure.FailureReason;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A batch after fetching and decoding: the images ready to embed, in catalogue order, and the ones
 * that failed.
 */
record PreparedBatch(
        List<CatalogEntry> entries, List<BufferedImage> images, List<Rejected> rejected) {

    /** An image that could not be fetched or decoded. */
    record Rejected(CatalogEntry entry, FailureReason reason, String detail) {}

    int size() {
        return entries.size() + rejected.size();
    }
}
