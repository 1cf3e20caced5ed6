package dev.faissshard.dryrun;

import java.util.List;
import java.util.Map;

/**
 * What {@code POST /jobs} with {@code "dryRun": true} answers: what the job would do, worked out
 * from the catalogue, the index's stored progress and id files and the calibrated shard size model,
 * without queueing anything or writing to storage. Sizes are upper bounds that assume every image
 * to do is embedded.
 *
 * @param dryRun always true: nothing was queued or written
 * @param indexTypes the indexes the job would build
 * @param catalog where the images would come from
 * @param storage where the index is
 * @param prefix the index's prefix (with the partition's sub-prefix when the build is split)
 * @param catalogueRows rows of the catalogue read (every partition's)
 * @param partitionRows rows of this job's partition
 * @param alreadyDone rows every requested index already holds
 * @param skippedFailures rows that failed before and would not be tried again
 * @param toDo rows the job would fetch, embed and add (within its {@code limit})
 * @param retried rows of {@code toDo} that failed before and would be tried again
 * @param beyondLimit rows that need work but lie past the request's {@code limit}
 * @param batches batches the job would write
 * @param types per index type: shards and bytes
 * @param metadataBytes {@code progress.json} rewrites: one per batch, at today's size
 * @param uploadedBytes all bytes the job would upload
 * @param time how long, from measured rates
 * @param memory memory the job's index state would take
 */
public record DryRunReport(
        boolean dryRun,
        List<String> indexTypes,
        String catalog,
        String storage,
        String prefix,
        long catalogueRows,
        long partitionRows,
        long alreadyDone,
        long skippedFailures,
        long toDo,
        long retried,
        long beyondLimit,
        long batches,
        Map<String, TypeEstimate> types,
        long metadataBytes,
        long uploadedBytes,
        TimeEstimate time,
        MemoryEstimate memory) {

    /**
     * One index type.
     *
     * @param vectorsNow vectors stored now (sealed shards and open segments)
     * @param vectorsAfter vectors when the job is done
     * @param sealedShardsNow sealed shards now
     * @param shardsAfter sealed shards when the job is done (the open shard's remainder stays open,
     *     as segments, across jobs)
     * @param vectorsPerShard most vectors a shard holds under {@code fsb.shard.max-bytes} and
     *     {@code max-vectors}, from the size model
     * @param storedBytesAfter bytes of this type's sealed shards when the job is done (as the job
     *     view's {@code bytes} counts them; id files come on top)
     * @param uploadedBytes bytes this job would upload for this type: new shards, the open shard's
     *     segments of each batch, id files
     */
    public record TypeEstimate(
            long vectorsNow,
            long vectorsAfter,
            int sealedShardsNow,
            long shardsAfter,
            long vectorsPerShard,
            long storedBytesAfter,
            long uploadedBytes) {}

    /**
     * Time, from the rate of earlier jobs.
     *
     * @param seconds estimated running time; null when there is no measured rate
     * @param imagesPerSecond images fetched, decoded and embedded (or failed) per second of running
     *     time
     * @param rateSource {@code index-history} (finished jobs of this index), {@code
     *     service-history} (finished jobs of any index in this storage), or {@code none} (no job
     *     has finished yet: no estimate rather than a guess)
     * @param sampleJobs how many finished jobs the rate comes from
     */
    public record TimeEstimate(
            Long seconds, Double imagesPerSecond, String rateSource, int sampleJobs) {}

    /**
     * Memory of the job's index state, at its largest.
     *
     * @param openShardBytes per type: the open shard at its fullest, from the size model (measured
     *     by serializing FAISS indexes of this factory and dimension), plus its serialized copy
     *     while it is sealed
     * @param idBytes the ids every type holds, at 16 bytes an id
     * @param totalBytes both together; the service's baseline (models, JVM) comes on top
     */
    public record MemoryEstimate(Map<String, Long> openShardBytes, long idBytes, long totalBytes) {}
}
