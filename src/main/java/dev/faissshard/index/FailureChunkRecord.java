package dev.faissshard.index;

/**
 * An immutable object holding {@value FailureLog#RECORDS_PER_CHUNK} consecutive {@link
 * FailureLogRecord}s of objects that are never merged again, so that {@code progress.json} names
 * one chunk instead of that many records ({@code faiss/failures/chunk_<first>_<last>_<sha>.json}).
 *
 * @param file the object, relative to the index prefix
 * @param firstSeq first log sequence number of its records
 * @param lastSeq last log sequence number of its records
 * @param records how many records it holds
 * @param bytes object size
 * @param sha256 hex sha256 of the object, checked when it is read
 */
public record FailureChunkRecord(
        String file, long firstSeq, long lastSeq, int records, long bytes, String sha256) {}
