package dev.faissshard.job;

import dev.faissshard.index.FaissIds;
import dev.faissshard.index.PartitionsFile;

/**
 * One worker's share of a build split across several workers (a Kubernetes Indexed Job, say). Each
 * catalogue id belongs to exactly one partition, by a hash of its FAISS id, so the workers need no
 * coordination: each builds a complete index of the original layout under its own sub-prefix {@code
 * part-<index>-of-<count>/}, with its own {@code progress.json}, and resumes on its own when its
 * pod is restarted. A reader searches the shards of every partition, as it already searches every
 * shard.
 *
 * @param index this worker's partition, from 0
 * @param count partitions in all; 1 means the build is not split
 */
public record Partition(int index, int count) {

    public static final Partition WHOLE = new Partition(0, 1);

    public Partition {
        if (count < 1 || count > 4096) {
            throw new IllegalArgumentException(
                    "partition count must be between 1 and 4096, not " + count);
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException(
                    "partition index must be between 0 and " + (count - 1) + ", not " + index);
        }
    }

    public boolean isWhole() {
        return count == 1;
    }

    /** Whether this partition builds the catalogue entry with this id. */
    public boolean contains(String catalogId) {
        return isWhole() || Math.floorMod(mix(FaissIds.of(catalogId)), count) == index;
    }

    /** The storage prefix of this partition's index, inside the job's prefix. */
    public String prefixWithin(String prefix) {
        if (isWhole()) {
            return prefix;
        }
        String own = PartitionsFile.partitionPrefix(index, count);
        if (prefix == null || prefix.isBlank()) {
            return own;
        }
        int end = prefix.length();
        while (end > 0 && prefix.charAt(end - 1) == '/') {
            end--;
        }
        return prefix.substring(0, end) + "/" + own;
    }

    /**
     * SplitMix64's finaliser: integer catalogue ids are often sequential or share a stride (all
     * even, say), which a plain modulo would spread unevenly; every input bit affects every output
     * bit here.
     */
    private static long mix(long id) {
        long z = id + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
