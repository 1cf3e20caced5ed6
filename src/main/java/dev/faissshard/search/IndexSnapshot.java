package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import java.util.List;
import java.util.Map;

/**
 * One manifest's worth of an index, every shard loaded: what a search sees from its start to its
 * end, however many manifests a running build publishes meanwhile. Reference-counted like its
 * shards: the index holds one reference while the snapshot is current, each search one while it
 * runs.
 */
final class IndexSnapshot {

    private final IndexDescription description;
    private final Map<IndexType, List<LoadedShard>> shards;
    private final long version;
    private final References references = new References();

    IndexSnapshot(
            IndexDescription description, Map<IndexType, List<LoadedShard>> shards, long version) {
        this.description = description;
        this.shards = shards;
        this.version = version;
    }

    IndexDescription description() {
        return description;
    }

    /**
     * Every shard and open segment of the type, over all partitions; empty when the index has none.
     */
    List<LoadedShard> shards(IndexType type) {
        return shards.getOrDefault(type, List.of());
    }

    /** Counts the snapshots of one prefix, so a test (and the health view) can see swaps. */
    long version() {
        return version;
    }

    boolean retain() {
        return references.retain();
    }

    void release() {
        if (references.release()) {
            shards.values().forEach(list -> list.forEach(LoadedShard::release));
        }
    }
}
