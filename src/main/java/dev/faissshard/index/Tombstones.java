package dev.faissshard.index;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which stored vectors are dead, by the file that holds them: the filter a reader applies (search,
 * the restore of an open shard, a compaction). Immutable.
 */
public final class Tombstones {

    public static final Tombstones NONE = new Tombstones(Map.of());

    private final Map<String, Set<Long>> byFile;

    private Tombstones(Map<String, Set<Long>> byFile) {
        this.byFile = byFile;
    }

    /** From a manifest's entries; {@code filePrefix} is put before every file (a partition's). */
    public static Tombstones ofManifest(
            Collection<Manifest.TombstoneEntry> entries, String filePrefix) {
        Map<String, Set<Long>> byFile = new HashMap<>();
        for (Manifest.TombstoneEntry entry : entries) {
            byFile.computeIfAbsent(filePrefix + entry.file(), file -> new HashSet<>())
                    .add(entry.id());
        }
        return new Tombstones(freeze(byFile));
    }

    /** From progress records, of one type only. */
    public static Tombstones ofRecords(Collection<TombstoneRecord> records, String type) {
        Map<String, Set<Long>> byFile = new HashMap<>();
        for (TombstoneRecord record : records) {
            if (record.type().equals(type)) {
                byFile.computeIfAbsent(record.file(), file -> new HashSet<>())
                        .add(record.faissId());
            }
        }
        return new Tombstones(freeze(byFile));
    }

    /** Both sets of dead vectors. */
    public Tombstones with(Tombstones other) {
        if (other.byFile.isEmpty()) {
            return this;
        }
        Map<String, Set<Long>> merged = new HashMap<>();
        for (Map<String, Set<Long>> source : java.util.List.of(byFile, other.byFile)) {
            source.forEach(
                    (file, ids) -> merged.computeIfAbsent(file, f -> new HashSet<>()).addAll(ids));
        }
        return new Tombstones(freeze(merged));
    }

    /** Whether the vector of {@code faissId} in {@code file} is dead. */
    public boolean isDead(String file, long faissId) {
        Set<Long> dead = byFile.get(file);
        return dead != null && dead.contains(faissId);
    }

    /** Dead vectors in one file. */
    public int count(String file) {
        Set<Long> dead = byFile.get(file);
        return dead == null ? 0 : dead.size();
    }

    public boolean isEmpty() {
        return byFile.isEmpty();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Tombstones that && that.byFile.equals(byFile);
    }

    @Override
    public int hashCode() {
        return byFile.hashCode();
    }

    private static Map<String, Set<Long>> freeze(Map<String, Set<Long>> byFile) {
        Map<String, Set<Long>> frozen = new HashMap<>();
        byFile.forEach((file, ids) -> frozen.put(file, Set.copyOf(ids)));
        return Map.copyOf(frozen);
    }
}
