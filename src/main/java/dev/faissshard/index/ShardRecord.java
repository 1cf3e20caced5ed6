package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * A sealed, immutable shard as recorded in {@code progress.json} and the manifest. Keys are
 * relative to the index prefix.
 *
 * @param shard the shard number (1-based)
 * @param file the {@code .faiss} object
 * @param idsFile the id list beside it ({@link IdFile})
 * @param vectors number of vectors
 * @param bytes size of the {@code .faiss} object
 * @param sha256 hex sha256 of the {@code .faiss} object
 * @param minId smallest FAISS id in the shard
 * @param maxId largest FAISS id in the shard
 * @param sealedAt when it was uploaded
 * @param trainedSha256 sha256 of the trained index the shard was built from; null for untrained
 *     factories
 * @param doneBitmap the shard's ids in compact form ({@link DoneBitmap}), read by a resume instead
 *     of the id file; null for shards sealed before it was written
 * @param urlsFile the fingerprints of the shard's rows ({@link FingerprintFile}), in id-file order;
 *     null for shards sealed before fingerprints were kept (their rows count as unchanged)
 */
public record ShardRecord(
        int shard,
        String file,
        String idsFile,
        long vectors,
        long bytes,
        String sha256,
        long minId,
        long maxId,
        Instant sealedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) String trainedSha256,
        @JsonInclude(JsonInclude.Include.NON_NULL) String doneBitmap,
        @JsonInclude(JsonInclude.Include.NON_NULL) String urlsFile) {

    /** A shard without a done bitmap or fingerprints (sealed before they were written). */
    public ShardRecord(
            int shard,
            String file,
            String idsFile,
            long vectors,
            long bytes,
            String sha256,
            long minId,
            long maxId,
            Instant sealedAt,
            String trainedSha256) {
        this(
                shard,
                file,
                idsFile,
                vectors,
                bytes,
                sha256,
                minId,
                maxId,
                sealedAt,
                trainedSha256,
                null,
                null);
    }

    /** A shard of an untrained factory. */
    public ShardRecord(
            int shard,
            String file,
            String idsFile,
            long vectors,
            long bytes,
            String sha256,
            long minId,
            long maxId,
            Instant sealedAt) {
        this(
                shard, file, idsFile, vectors, bytes, sha256, minId, maxId, sealedAt, null, null,
                null);
    }
}
