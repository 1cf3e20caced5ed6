package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One failure-log object named by {@code progress.json}: the failure changes of one commit, or
 * several merged by a compaction. Applied in order, later lines win. Its lines are sorted by
 * catalogue id, so {@code [firstId, lastId]} bounds the ids it can answer for: a job asks only the
 * objects whose range holds an id ({@link FailureLog#get}).
 *
 * @param file the {@code faiss/failures/…jsonl} object, relative to the index prefix
 * @param firstSeq first log sequence number it covers
 * @param lastSeq last log sequence number it covers (equal to {@code firstSeq} for one commit's)
 * @param entries lines in it (recorded failures and cleared ones)
 * @param bytes object size
 * @param sha256 hex sha256 of the object, checked when it is read
 * @param firstId smallest catalogue id in it; null in objects written before ranges were recorded
 *     (the range is then read from the object when the log is opened)
 * @param lastId largest catalogue id in it; null as {@code firstId}
 * @param idLength the length of every catalogue id in it, when they all have one (null: mixed, or
 *     written before it was recorded): ranges compare ids as strings, so "1002345" lies inside
 *     ["100007", "105987"], and a lookup skips an object of other-length ids without reading it
 */
public record FailureLogRecord(
        String file,
        long firstSeq,
        long lastSeq,
        long entries,
        long bytes,
        String sha256,
        @JsonInclude(JsonInclude.Include.NON_NULL) String firstId,
        @JsonInclude(JsonInclude.Include.NON_NULL) String lastId,
        @JsonInclude(JsonInclude.Include.NON_NULL) Integer idLength) {

    /** An object recorded without the length of its ids. */
    public FailureLogRecord(
            String file,
            long firstSeq,
            long lastSeq,
            long entries,
            long bytes,
            String sha256,
            String firstId,
            String lastId) {
        this(file, firstSeq, lastSeq, entries, bytes, sha256, firstId, lastId, null);
    }

    /** An object recorded without its id range. */
    public FailureLogRecord(
            String file, long firstSeq, long lastSeq, long entries, long bytes, String sha256) {
        this(file, firstSeq, lastSeq, entries, bytes, sha256, null, null, null);
    }

    boolean hasRange() {
        return firstId != null && lastId != null;
    }

    boolean mayHold(String catalogId) {
        return !hasRange()
                || (firstId.compareTo(catalogId) <= 0 && lastId.compareTo(catalogId) >= 0);
    }

    FailureLogRecord withRange(String first, String last) {
        return new FailureLogRecord(
                file, firstSeq, lastSeq, entries, bytes, sha256, first, last, idLength);
    }
}
