package dev.faissshard.build;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingInput;
import dev.faissshard.failure.FailureReason;
import java.util.List;

/**
 * A batch after fetching and decoding: the images ready to embed (already resized for the models),
 * in catalogue order, and the ones that failed.
 */
record PreparedBatch(
        List<CatalogEntry> entries, List<EmbeddingInput> images, List<Rejected> rejected) {

    /** An image that could not be fetched or decoded. */
    record Rejected(CatalogEntry entry, FailureReason reason, String detail) {}

    int size() {
        return entries.size() + rejected.size();
    }
}
