package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The content of {@code progress.json}: everything a job needs to continue where the last one
 * stopped. Written atomically after each batch; a reader sees either the previous or the next
 * version.
 *
 * @param formatVersion {@link #FORMAT_VERSION}; older versions are read, newer ones refused
 * @param updatedAt when it was written
 * @param nextBatch number of the next batch to write (batch numbers name segment objects)
 * @param indexes per index type key ({@code color}, …)
 * @param failures per catalogue id
 * @param tombstones deleted vectors still stored in a shard or segment; absent (empty) in older
 *     files
 */
public record Progress(
        int formatVersion,
        Instant updatedAt,
        long nextBatch,
        Map<String, IndexProgress> indexes,
        Map<String, FailureRecord> failures,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TombstoneRecord> tombstones) {

    public static final int FORMAT_VERSION = 1;

    public Progress {
        // Sorted so that the file diffs well and is stable for the same state.
        indexes = new TreeMap<>(indexes);
        failures = new TreeMap<>(failures);
        tombstones = tombstones == null ? List.of() : List.copyOf(tombstones);
    }

    /** Progress without tombstones. */
    public Progress(
            int formatVersion,
            Instant updatedAt,
            long nextBatch,
            Map<String, IndexProgress> indexes,
            Map<String, FailureRecord> failures) {
        this(formatVersion, updatedAt, nextBatch, indexes, failures, List.of());
    }

    public static Progress empty() {
        return new Progress(FORMAT_VERSION, Instant.EPOCH, 1, Map.of(), Map.of());
    }
}
