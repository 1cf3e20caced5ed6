package dev.faissshard.index;

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
 */
public record TrainedEntry(
        String type, String file, String sha256, long bytes, String factory, long sampleVectors) {}
