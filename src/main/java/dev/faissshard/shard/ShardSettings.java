package dev.faissshard.shard;

/**
 * How the shards of one index are built.
 *
 * @param factory FAISS factory string
 * @param metric distance
 * @param maxBytes a shard is sealed before its serialized size would pass this
 * @param maxVectors a shard is sealed before it would hold more vectors than this; 0 for no limit
 * @param trainingSample vectors a trained factory is trained on (the first ones of the catalogue)
 * @param qualityNprobe inverted lists searched when the recall of a trained index is measured
 */
public record ShardSettings(
        String factory,
        Metric metric,
        long maxBytes,
        long maxVectors,
        long trainingSample,
        int qualityNprobe) {

    /** Settings of an untrained factory, for callers that never train. */
    public ShardSettings(String factory, Metric metric, long maxBytes, long maxVectors) {
        this(factory, metric, maxBytes, maxVectors, 100_000, 16);
    }
}
