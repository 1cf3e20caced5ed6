package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.storage.StorageClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns deleted catalogue ids into tombstones of an open index: for each type, every stored vector
 * of those ids (in a sealed shard or an open segment) is recorded as dead; the caller commits. Only
 * files whose id range can hold one of the ids are read.
 */
public final class Deletes {

    private Deletes() {}

    /** Per type, how many vectors became dead. */
    public static Map<IndexType, Integer> delete(
            OpenIndex index, Collection<String> catalogIds, Instant at) {
        Map<Long, Set<String>> wanted = new HashMap<>();
        for (String catalogId : catalogIds) {
            wanted.computeIfAbsent(FaissIds.of(catalogId), id -> new HashSet<>()).add(catalogId);
        }
        long min = wanted.keySet().stream().mapToLong(Long::longValue).min().orElse(0);
        long max = wanted.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
        IndexLayout layout = index.location().layout();
        StorageClient store = index.location().storage();
        Map<IndexType, Integer> dead = new HashMap<>();
        for (IndexType type : index.types()) {
            IndexProgress state = index.state(type);
            List<String[]> files = new ArrayList<>();
            for (ShardRecord shard : state.sealedShards()) {
                if (shard.maxId() >= min && shard.minId() <= max) {
                    files.add(new String[] {shard.file(), shard.idsFile()});
                }
            }
            for (SegmentRecord segment : state.openSegments()) {
                if (segment.maxId() >= min && segment.minId() <= max) {
                    files.add(new String[] {segment.file(), segment.idsFile()});
                }
            }
            int count = 0;
            for (String[] file : files) {
                for (IdFile.Entry entry : IdFile.read(store.get(layout.absolute(file[1])))) {
                    Set<String> ids = wanted.get(entry.faissId());
                    if (ids != null
                            && ids.contains(entry.catalogId())
                            && index.tombstone(
                                    type, file[0], entry.faissId(), entry.catalogId(), at)) {
                        count++;
                    }
                }
            }
            dead.put(type, count);
        }
        return dead;
    }
}
