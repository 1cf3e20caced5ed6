package dev.faissshard.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.faissshard.build.BuildCounters;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.IndexProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code GET /jobs/{id}} shows of a job.
 *
 * @param id job id
 * @param state life-cycle state
 * @param indexTypes indexes the job builds
 * @param catalog where the images come from
 * @param storage where the index is written
 * @param prefix storage prefix of the index (with the partition's sub-prefix when the build is
 *     split)
 * @param partition the share of the catalogue this job builds
 * @param counts images seen, embedded, skipped and failed by this job
 * @param indexes what each index holds in storage now
 * @param imagesPerSecond images handled (embedded, failed or skipped) per second of running time
 * @param total catalogue size when known
 * @param etaSeconds estimated seconds left, when the total is known
 * @param stageSeconds time spent per pipeline stage (stages overlap)
 * @param uploadedBytes bytes this job uploaded
 * @param createdAt when it was submitted
 * @param startedAt when it started running
 * @param updatedAt when its last batch was recorded
 * @param finishedAt when it ended
 * @param lastError the error that failed the job, if any
 * @param waiting what a {@link JobState#WAITING} job waits for, and until when it waits
 * @param stalled set while a running job made no progress for {@code fsb.job.stall-timeout}
 * @param deadline when the job stops at its next batch boundary, if it has a deadline
 * @param failureCode a stable code of why the job failed, when its failure has one ({@code
 *     deadline_exceeded}, {@code storage_unavailable})
 * @param pausing true while a pause is asked for but the batch in flight has not been committed yet
 *     (the state already says {@code PAUSED}, or {@code WAITING}); false once the job rests at the
 *     boundary
 * @param fromHistory true when the job ended before this process started (or was dropped from its
 *     memory) and is read from the index's stored job history; absent for jobs of this process
 * @param operation what the job does to its index ({@code build}, {@code compact}, {@code delete});
 *     absent in job history written before jobs had operations
 */
public record JobView(
        String id,
        JobState state,
        List<String> indexTypes,
        String catalog,
        String storage,
        String prefix,
        Partition partition,
        Counts counts,
        Map<String, IndexView> indexes,
        Double imagesPerSecond,
        Long total,
        Long etaSeconds,
        Map<String, Double> stageSeconds,
        long uploadedBytes,
        Instant createdAt,
        Instant startedAt,
        Instant updatedAt,
        Instant finishedAt,
        String lastError,
        Waiting waiting,
        Stalled stalled,
        Instant deadline,
        String failureCode,
        boolean pausing,
        @JsonInclude(JsonInclude.Include.NON_NULL) Boolean fromHistory,
        @JsonInclude(JsonInclude.Include.NON_NULL) JobOperation operation) {

    /**
     * Why a running job waits.
     *
     * @param reason {@code storage_unavailable}: storage stopped answering
     * @param since when the wait began
     * @param until when the job fails if storage has not answered by then
     */
    public record Waiting(String reason, Instant since, Instant until) {}

    /**
     * A running job without progress (no image finished, no batch committed).
     *
     * @param since when it counted as stalled
     * @param lastProgressAt its last progress
     */
    public record Stalled(Instant since, Instant lastProgressAt) {}

    /** A view without the operation (as written before jobs had operations). */
    public JobView(
            String id,
            JobState state,
            List<String> indexTypes,
            String catalog,
            String storage,
            String prefix,
            Partition partition,
            Counts counts,
            Map<String, IndexView> indexes,
            Double imagesPerSecond,
            Long total,
            Long etaSeconds,
            Map<String, Double> stageSeconds,
            long uploadedBytes,
            Instant createdAt,
            Instant startedAt,
            Instant updatedAt,
            Instant finishedAt,
            String lastError,
            Waiting waiting,
            Stalled stalled,
            Instant deadline,
            String failureCode,
            boolean pausing,
            Boolean fromHistory) {
        this(
                id,
                state,
                indexTypes,
                catalog,
                storage,
                prefix,
                partition,
                counts,
                indexes,
                imagesPerSecond,
                total,
                etaSeconds,
                stageSeconds,
                uploadedBytes,
                createdAt,
                startedAt,
                updatedAt,
                finishedAt,
                lastError,
                waiting,
                stalled,
                deadline,
                failureCode,
                pausing,
                fromHistory,
                null);
    }

    /** The same view, marked as read from the stored job history. */
    JobView asFromHistory() {
        return new JobView(
                id,
                state,
                indexTypes,
                catalog,
                storage,
                prefix,
                partition,
                counts,
                indexes,
                imagesPerSecond,
                total,
                etaSeconds,
                stageSeconds,
                uploadedBytes,
                createdAt,
                startedAt,
                updatedAt,
                finishedAt,
                lastError,
                waiting,
                stalled,
                deadline,
                failureCode,
                pausing,
                true,
                operation);
    }

    /**
     * Image counts of this job.
     *
     * @param seen catalogue entries read
     * @param embedded images added to the indexes
     * @param skipped images already indexed (or failed permanently) before this job
     * @param failed images that failed in this job
     * @param failedByReason failures per reason
     */
    public record Counts(
            long seen,
            long embedded,
            long skipped,
            long failed,
            Map<String, Long> failedByReason) {}

    /**
     * One index type in storage.
     *
     * @param sealedShards sealed shards
     * @param vectors vectors stored (sealed and flushed)
     * @param bytes bytes stored (sealed and flushed)
     * @param openShardVectors vectors in the shard being filled
     */
    public record IndexView(int sealedShards, long vectors, long bytes, long openShardVectors) {}

    static JobView of(Job job, Instant now) {
        BuildCounters stats = job.stats();
        Map<String, IndexView> indexes = new TreeMap<>();
        stats.indexes()
                .forEach(
                        (type, progress) ->
                                indexes.put(
                                        type.key(), indexView(progress, stats.openVectors(type))));
        long handled = stats.embedded() + stats.failedTotal() + stats.skipped();
        Double rate = null;
        Long eta = null;
        if (job.startedAt() != null) {
            Instant end = job.finishedAt() != null ? job.finishedAt() : now;
            double seconds =
                    Math.max(1e-3, Duration.between(job.startedAt(), end).toMillis() / 1000.0);
            rate = Math.round(handled / seconds * 10) / 10.0;
            if (stats.total().isPresent() && !job.state().isFinished() && handled > 0) {
                long left = Math.max(0, stats.total().getAsLong() - stats.seen());
                eta = Math.round(left / (handled / seconds));
            }
        }
        Long total = stats.total().isPresent() ? stats.total().getAsLong() : null;
        return new JobView(
                job.id(),
                job.state(),
                job.spec().indexTypes().stream().map(IndexType::key).sorted().toList(),
                job.catalogDescription(),
                job.storageDescription(),
                job.spec().layout().prefix(),
                job.spec().partition(),
                new Counts(
                        stats.seen(),
                        stats.embedded(),
                        stats.skipped(),
                        stats.failedTotal(),
                        stats.failedByReason()),
                indexes,
                rate,
                total,
                eta,
                stats.stageSeconds(),
                stats.uploadedBytes(),
                job.createdAt(),
                job.startedAt(),
                stats.updatedAt(),
                job.finishedAt(),
                job.lastError(),
                job.waiting()
                        .map(wait -> new Waiting(wait.reason(), wait.since(), wait.until()))
                        .orElse(null),
                job.stall(now)
                        .map(stall -> new Stalled(stall.since(), stall.lastProgressAt()))
                        .orElse(null),
                job.deadline(),
                job.failureCode(),
                job.pausing(),
                null,
                job.spec().operation());
    }

    private static IndexView indexView(IndexProgress progress, long openVectors) {
        return new IndexView(
                progress.sealedShards().size(), progress.vectors(), progress.bytes(), openVectors);
    }
}
