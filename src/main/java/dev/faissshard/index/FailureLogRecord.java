package dev.faissshard.index;

/**
 * One failure-log object named by {@code progress.json}: the failure changes of one commit, or
 * several merged by a compaction. Applied in order, later lines win.
 *
 * @param file the {@code faiss/failures/…jsonl} object, relative to the index prefix
 * @param firstSeq first log sequence number it covers
 * @param lastSeq last log sequence number it covers (equal to {@code firstSeq} for one commit's)
 * @param entries lines in it (recorded failures and cleared ones)
 * @param bytes object size
 * @param sha256 hex sha256 of the object, checked when it is read
 */
public record FailureLogRecord(
        String file, long firstSeq, long lastSeq, long entries, long bytes, String sha256) {}
