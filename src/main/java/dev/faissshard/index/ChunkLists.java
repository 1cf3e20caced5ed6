package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The chunk lists of a progress ({@link ChunkTree}). In {@code progress.json} only the lists no
 * other list names; in a loaded progress every list at every level, so that a save knows which
 * objects exist already and an open knows which list objects are still named.
 *
 * @param shards per index type key, lists of {@link ShardChunkRecord}s and of such lists
 * @param failures lists of {@link FailureChunkRecord}s and of such lists
 */
public record ChunkLists(
        Map<String, List<ChunkListRecord>> shards, List<ChunkListRecord> failures) {

    public ChunkLists {
        shards = shards == null ? new TreeMap<>() : new TreeMap<>(shards);
        shards.replaceAll((type, lists) -> List.copyOf(lists));
        failures = failures == null ? List.of() : List.copyOf(failures);
    }

    @JsonIgnore
    boolean isEmpty() {
        return failures.isEmpty() && shards.values().stream().allMatch(List::isEmpty);
    }
}
