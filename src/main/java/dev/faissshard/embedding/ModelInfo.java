package dev.faissshard.embedding;

/**
 * What made a vector: recorded in the shard manifest and checked on resume, so vectors of different
 * models are never mixed in one index.
 *
 * @param id a readable model id such as {@code builtin-color-v1}
 * @param sha256 hex sha256 of the model file(s)
 * @param dimension vector length
 */
public record ModelInfo(String id, String sha256, int dimension) {}
