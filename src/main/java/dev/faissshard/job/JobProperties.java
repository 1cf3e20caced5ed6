package dev.faissshard.job;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Defaults and limits for build jobs.
 *
 * @param batchSize images per batch: one flush of every index type and one progress.json write each
 * @param prefix storage prefix of the index when a job names none ("" for the bucket root)
 * @param maxRunning jobs that may run at the same time (each on its own index location)
 * @param maxQueued jobs that may wait for a free slot before new ones are refused
 * @param decodeThreads threads decoding images; 0 for one per core
 * @param retainedJobs finished jobs kept for {@code GET /jobs}
 * @param partitionIndex this worker's share of a build split across {@code partitionCount} workers
 * @param partitionCount workers a build is split across (1: not split); each builds its own
 *     sub-prefix
 * @param runOnce start one job with these defaults at startup and exit when it ends (Kubernetes
 *     Jobs, Modal)
 * @param shutdownGrace how long shutdown waits for running jobs to reach a batch boundary
 * @param deadline longest running time of a job that names none; past it the job stops at its next
 *     batch boundary as FAILED {@code deadline_exceeded} (unset: no deadline)
 * @param stallTimeout a running job with no image finished and no batch committed for this long is
 *     shown {@code stalled} (view, metric, progress line); it keeps running
 */
@Validated
@ConfigurationProperties("fsb.job")
public record JobProperties(
        @DefaultValue("256") @Min(1) @Max(4096) int batchSize,
        @DefaultValue("") String prefix,
        @DefaultValue("2") @Min(1) int maxRunning,
        @DefaultValue("8") @Min(0) int maxQueued,
        @DefaultValue("0") @Min(0) int decodeThreads,
        @DefaultValue("100") @Min(1) int retainedJobs,
        @DefaultValue("0") @Min(0) int partitionIndex,
        @DefaultValue("1") @Min(1) @Max(4096) int partitionCount,
        @DefaultValue("false") boolean runOnce,
        @DefaultValue("30s") @NotNull Duration shutdownGrace,
        Duration deadline,
        @DefaultValue("5m") @NotNull Duration stallTimeout) {

    public JobProperties {
        if (deadline != null
                && (deadline.compareTo(Duration.ofSeconds(1)) < 0
                        || deadline.compareTo(Duration.ofDays(30)) > 0)) {
            throw new IllegalArgumentException(
                    "fsb.job.deadline must be between 1s and 30d (was " + deadline + ")");
        }
        if (stallTimeout != null && stallTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(
                    "fsb.job.stall-timeout must be at least 1s (was " + stallTimeout + ")");
        }
        if (partitionIndex >= partitionCount) {
            throw new IllegalArgumentException(
                    "fsb.job.partition-index ("
                            + partitionIndex
                            + ") must be below fsb.job.partition-count ("
                            + partitionCount
                            + ")");
        }
    }

    public Partition partition() {
        return new Partition(partitionIndex, partitionCount);
    }

    public int effectiveDecodeThreads() {
        return decodeThreads > 0 ? decodeThreads : Runtime.getRuntime().availableProcessors();
    }
}
