package dev.faissshard.index;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The content of {@code progress.json}: everything a job needs to continue where the last one
 * stopped. Written atomically after each batch; a reader sees either the previous or the next
 * version. It stays small whatever the catalogue's size: failures live in append-only objects it
 * only names ({@link FailureLog}), and the ids already indexed are read from the shards' id files.
 *
 * @param formatVersion {@link #FORMAT_VERSION}; older versions are read, newer ones refused
 * @param updatedAt when it was written
 * @param nextBatch number of the next batch to write (batch numbers name segment objects)
 * @param indexes per index type key ({@code color}, …)
 * @param failures per catalogue id: only in version 1 files; version 2 writes it empty and keeps
 *     failures in the objects {@code failureLog} names (read them through {@link FailureLog})
 * @param failureLog the failure-log objects, oldest first; absent in version 1 files
 */
public record Progress(
        int formatVersion,
        Instant updatedAt,
        long nextBatch,
        Map<String, IndexProgress> indexes,
        Map<String, FailureRecord> failures,
        List<FailureLogRecord> failureLog) {

    /** 2: failures moved out of this file into {@code faiss/failures/} objects. */
    public static final int FORMAT_VERSION = 2;

    public Progress {
        // Sorted so that the file diffs well and is stable for the same state.
        indexes = new TreeMap<>(indexes);
        failures = failures == null ? new TreeMap<>() : new TreeMap<>(failures);
        failureLog = failureLog == null ? List.of() : List.copyOf(failureLog);
    }

    public static Progress empty() {
        return new Progress(FORMAT_VERSION, Instant.EPOCH, 1, Map.of(), Map.of(), List.of());
    }
}
