package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The content of {@code progress.json}: everything a job needs to continue where the last one
 * stopped. Written atomically after each batch; a reader sees either the previous or the next
 * version. It stays small whatever the catalogue's size: failures live in append-only objects it
 * only names ({@link FailureLog}), so do sealed-shard records in full chunks ({@link
 * ShardChunkRecord}), and the ids already indexed are read from the shards' id files.
 *
 * @param formatVersion {@link #FORMAT_VERSION}; older versions are read, newer ones refused
 * @param updatedAt when it was written
 * @param nextBatch number of the next batch to write (batch numbers name segment objects)
 * @param indexes per index type key ({@code color}, …)
 * @param failures per catalogue id: only in version 1 files; version 2 writes it empty and keeps
 *     failures in the objects {@code failureLog} names (read them through {@link FailureLog})
 * @param failureLog the failure-log objects, oldest first; absent in version 1 files
 * @param shardChunks per index type, the objects holding its first sealed-shard records in full
 *     chunks ({@link ProgressStore}); in the file, {@code indexes} then lists only the sealed
 *     shards after them, while a loaded progress lists every sealed shard
 * @param tombstones deleted vectors still stored in a shard or segment; absent (empty) in older
 *     files
 * @param failureChunks the objects holding the first records of {@code failureLog} in full chunks
 *     ({@link FailureChunkRecord}); in the file, {@code failureLog} then lists only the records
 *     after them, while a loaded progress lists every record
 * @param transientFailures how many recorded failures a later job would retry, so a job knows
 *     without reading the log; null in older files (counted from the log when it is opened)
 * @param chunkLists lists naming the references of {@code shardChunks} and {@code failureChunks}
 *     ({@link ChunkTree}); in the file, those two then hold only the references after the listed
 *     ones, and only the lists no other list names are here, while a loaded progress holds every
 *     reference and every list; null when there are none (and in older files). A file naming lists
 *     has format version {@value #CHUNK_LISTS_FORMAT_VERSION}, which older services refuse instead
 *     of missing the listed shards
 */
public record Progress(
        int formatVersion,
        Instant updatedAt,
        long nextBatch,
        Map<String, IndexProgress> indexes,
        Map<String, FailureRecord> failures,
        List<FailureLogRecord> failureLog,
        Map<String, List<ShardChunkRecord>> shardChunks,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TombstoneRecord> tombstones,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<FailureChunkRecord> failureChunks,
        @JsonInclude(JsonInclude.Include.NON_NULL) Long transientFailures,
        @JsonInclude(JsonInclude.Include.NON_NULL) ChunkLists chunkLists) {

    /** 2: failures moved out of this file into {@code faiss/failures/} objects. */
    public static final int FORMAT_VERSION = 2;

    /** 3: as 2, with chunk references in lists ({@code chunkLists}); written only when needed. */
    public static final int CHUNK_LISTS_FORMAT_VERSION = 3;

    public Progress {
        chunkLists = chunkLists == null || chunkLists.isEmpty() ? null : chunkLists;
        // Sorted so that the file diffs well and is stable for the same state.
        indexes = new TreeMap<>(indexes);
        failures = failures == null ? new TreeMap<>() : new TreeMap<>(failures);
        failureLog = failureLog == null ? List.of() : List.copyOf(failureLog);
        shardChunks = shardChunks == null ? new TreeMap<>() : new TreeMap<>(shardChunks);
        tombstones = tombstones == null ? List.of() : List.copyOf(tombstones);
        failureChunks = failureChunks == null ? List.of() : List.copyOf(failureChunks);
    }

    /** Progress without chunk lists (as before they existed). */
    public Progress(
            int formatVersion,
            Instant updatedAt,
            long nextBatch,
            Map<String, IndexProgress> indexes,
            Map<String, FailureRecord> failures,
            List<FailureLogRecord> failureLog,
            Map<String, List<ShardChunkRecord>> shardChunks,
            List<TombstoneRecord> tombstones,
            List<FailureChunkRecord> failureChunks,
            Long transientFailures) {
        this(
                formatVersion,
                updatedAt,
                nextBatch,
                indexes,
                failures,
                failureLog,
                shardChunks,
                tombstones,
                failureChunks,
                transientFailures,
                null);
    }

    /** The chunk lists, empty when there are none. */
    public ChunkLists lists() {
        return chunkLists == null ? new ChunkLists(Map.of(), List.of()) : chunkLists;
    }

    /** Progress without failure chunks or a transient-failure count (as before either existed). */
    public Progress(
            int formatVersion,
            Instant updatedAt,
            long nextBatch,
            Map<String, IndexProgress> indexes,
            Map<String, FailureRecord> failures,
            List<FailureLogRecord> failureLog,
            Map<String, List<ShardChunkRecord>> shardChunks,
            List<TombstoneRecord> tombstones) {
        this(
                formatVersion,
                updatedAt,
                nextBatch,
                indexes,
                failures,
                failureLog,
                shardChunks,
                tombstones,
                List.of(),
                null);
    }

    /** Progress as version 1 wrote it: failures inline, no log, no chunks, no tombstones. */
    public Progress(
            int formatVersion,
            Instant updatedAt,
            long nextBatch,
            Map<String, IndexProgress> indexes,
            Map<String, FailureRecord> failures) {
        this(
                formatVersion,
                updatedAt,
                nextBatch,
                indexes,
                failures,
                List.of(),
                Map.of(),
                List.of());
    }

    public static Progress empty() {
        return new Progress(
                FORMAT_VERSION,
                Instant.EPOCH,
                1,
                Map.of(),
                Map.of(),
                List.of(),
                Map.of(),
                List.of(),
                List.of(),
                0L);
    }
}
