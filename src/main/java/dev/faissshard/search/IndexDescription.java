package dev.faissshard.search;

import dev.faissshard.index.Tombstones;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * An index as its manifest(s) describe it, in the search package's own terms: one partition for an
 * unpartitioned index, one per entry of {@code faiss/partitions.json} otherwise.
 *
 * @param prefix the index's storage prefix ("" for the root)
 * @param partitioned whether a {@code faiss/partitions.json} lists the partitions
 * @param partitions every partition, present or not
 */
record IndexDescription(String prefix, boolean partitioned, List<Partition> partitions) {

    /** Complete iff every partition's manifest exists and says so. */
    boolean complete() {
        return !partitions.isEmpty() && partitions.stream().allMatch(Partition::complete);
    }

    /** The newest manifest's time, or null when none exists. */
    Instant publishedAt() {
        return partitions.stream()
                .map(Partition::publishedAt)
                .filter(Objects::nonNull)
                .max(Comparator.naturalOrder())
                .orElse(null);
    }

    List<Shard> shards() {
        return partitions.stream().flatMap(partition -> partition.shards().stream()).toList();
    }

    /** The dead vectors of every partition, by {@link Shard#file()}. */
    Tombstones tombstones() {
        Tombstones all = Tombstones.NONE;
        for (Partition partition : partitions) {
            all = all.with(partition.tombstones());
        }
        return all;
    }

    /**
     * One partition.
     *
     * @param index from 0
     * @param present whether its manifest exists and is readable
     * @param complete what its manifest says
     * @param publishedAt when its manifest was written
     * @param shards its sealed shards and open segments
     * @param tombstones its deleted vectors, by {@link Shard#file()}
     */
    record Partition(
            int index,
            boolean present,
            boolean complete,
            Instant publishedAt,
            List<Shard> shards,
            Tombstones tombstones) {

        Partition {
            tombstones = tombstones == null ? Tombstones.NONE : tombstones;
        }

        Partition(
                int index,
                boolean present,
                boolean complete,
                Instant publishedAt,
                List<Shard> shards) {
            this(index, present, complete, publishedAt, shards, Tombstones.NONE);
        }
    }

    /**
     * One FAISS file of a partition.
     *
     * @param type index type key
     * @param key storage key of the {@code .faiss} object
     * @param idsKey storage key of its id file
     * @param file the {@code .faiss} key relative to the index prefix (with the partition's
     *     sub-prefix)
     * @param vectors vector count
     * @param bytes object size
     * @param sha256 hex sha256 of the object
     * @param dimension vector length
     * @param metric FAISS metric name
     * @param modelId model that made the vectors
     * @param modelSha256 that model's sha256
     * @param sealed false for an open segment of a running build
     */
    record Shard(
            String type,
            String key,
            String idsKey,
            String file,
            long vectors,
            long bytes,
            String sha256,
            int dimension,
            String metric,
            String modelId,
            String modelSha256,
            boolean sealed) {}
}
