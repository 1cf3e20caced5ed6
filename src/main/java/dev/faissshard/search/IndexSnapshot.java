package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.Tombstones;
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
    private final Tombstones tombstones;

    IndexSnapshot(
            IndexDescription description, Map<IndexType, List<LoadedShard>> shards, long version) {
        this.description = description;
        this.shards = shards;
        this.version = version;
        this.tombstones = description.tombstones();
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

    /**
     * Whether the hit of {@code faissId} in the shard or segment {@code file} is a deleted vector,
     * which a search never returns.
     */
    boolean isDead(String file, long faissId) {
        return tombstones.isDead(file, faissId);
    }

    /** Most dead vectors of one shard of the type: how many more hits a shard must give. */
    int mostDeadPerShard(IndexType type) {
        int most = 0;
        for (LoadedShard shard : shards(type)) {
            most = Math.max(most, tombstones.count(shard.description().file()));
        }
        return most;
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
