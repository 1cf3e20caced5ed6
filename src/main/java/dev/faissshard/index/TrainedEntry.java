package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A trained index in the manifest: readers that merge shards ({@code merge_ondisk}) need its empty,
 * trained index, and every shard of the type names its sha256.
 *
 * @param type index type
 * @param file {@code faiss/<type>_trained.faiss}, relative to the index prefix
 * @param sha256 hex sha256 of that object
 * @param bytes its size
 * @param factory FAISS factory string
 * @param sampleVectors vectors it was trained on
 * @param choice why {@code factory: auto} chose the factory, or null when it was configured
 */
public record TrainedEntry(
        String type,
        String file,
        String sha256,
        long bytes,
        String factory,
        long sampleVectors,
        @JsonInclude(JsonInclude.Include.NON_NULL) String choice) {

    /** The entry of a configured factory's training. */
    public TrainedEntry(
            String type,
            String file,
            String sha256,
            long bytes,
            String factory,
            long sampleVectors) {
        this(type, file, sha256, bytes, factory, sampleVectors, null);
    }
}
