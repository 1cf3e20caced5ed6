package dev.faissshard.shard;

/**
 * How the shards of one index are built.
 *
 * @param factory FAISS factory string
 * @param metric distance
 * @param maxBytes a shard is sealed before its serialized size would pass this
 * @param maxVectors a shard is sealed before it would hold more vectors than this; 0 for no limit
 */
public record ShardSettings(String factory, Metric metric, long maxBytes, long maxVectors) {}
