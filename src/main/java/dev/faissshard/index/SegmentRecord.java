package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One flushed batch of the open shard: a small {@code IDMap,Flat} index holding that batch's
 * vectors exactly, plus its id list. Segments make a batch durable without re-uploading the whole
 * open shard; they are deleted once the shard they belong to is sealed.
 *
 * @param batch the job-wide batch number that wrote it
 * @param file the {@code .faiss} object, relative to the index prefix
 * @param idsFile the id list beside it
 * @param vectors number of vectors
 * @param bytes size of the {@code .faiss} object
 * @param sha256 hex sha256 of the {@code .faiss} object
 * @param minId smallest FAISS id in the segment
 * @param maxId largest FAISS id in the segment
 * @param urlsFile the fingerprints of its rows ({@link FingerprintFile}); null for segments written
 *     before fingerprints were kept
 */
public record SegmentRecord(
        long batch,
        String file,
        String idsFile,
        int vectors,
        long bytes,
        String sha256,
        long minId,
        long maxId,
        @JsonInclude(JsonInclude.Include.NON_NULL) String urlsFile) {

    /** A segment without fingerprints (written before they were kept). */
    public SegmentRecord(
            long batch,
            String file,
            String idsFile,
            int vectors,
            long bytes,
            String sha256,
            long minId,
            long maxId) {
        this(batch, file, idsFile, vectors, bytes, sha256, minId, maxId, null);
    }
}
