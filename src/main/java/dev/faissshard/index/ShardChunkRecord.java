package dev.faissshard.index;

/**
 * An immutable object holding {@value ProgressStore#SHARDS_PER_CHUNK} consecutive sealed-shard
 * records of one index type, named by {@code progress.json} in place of the records themselves, so
 * that the file rewritten after every batch stays the same size however many shards are sealed.
 *
 * @param file the {@code faiss/state/…json} object, relative to the index prefix
 * @param firstShard the first shard number it holds
 * @param lastShard the last shard number it holds
 * @param bytes object size
 * @param sha256 hex sha256 of the object, checked when it is read
 */
public record ShardChunkRecord(
        String file, int firstShard, int lastShard, long bytes, String sha256) {}
