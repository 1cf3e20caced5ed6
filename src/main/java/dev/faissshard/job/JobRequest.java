package dev.faissshard.job;

import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.ValidPrefix;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.Set;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;

/**
 * The body of {@code POST /jobs}. Every field is optional: {@code {}} builds all three index types
 * of the configured catalogue into the configured storage. The API reads it strictly (unknown
 * fields and values of another JSON type are refused), and every string has a length bound.
 *
 * @param indexTypes which indexes to build (default: all three)
 * @param catalog a catalogue other than the configured one
 * @param prefix storage prefix of the index, so several indexes can share a bucket
 * @param batchSize images per batch
 * @param limit stop after this many images were attempted (trial runs)
 * @param retryFailures also retry images that failed for permanent reasons (404, not an image, …)
 * @param partition build only this share of the catalogue, under its own sub-prefix (default: the
 *     configured {@code fsb.job.partition-index} of {@code fsb.job.partition-count})
 * @param deadline longest running time (ISO-8601, e.g. {@code PT2H}; 1 s to 30 days): past it the
 *     job stops at its next batch boundary as FAILED {@code deadline_exceeded}, keeping what it
 *     committed (default: {@code fsb.job.deadline}, none when unset)
 * @param dryRun answer at once with what the job would do ({@code DryRunReport}) instead of
 *     queueing it; nothing is written
 * @param retryReasons retry only images that failed with these reasons (their lower-case codes);
 *     implies {@code retryFailures} for them and leaves failures of other reasons as they are
 */
public record JobRequest(
        @Size(min = 1, message = "must name at least one index type") Set<IndexType> indexTypes,
        @Valid CatalogOverride catalog,
        @ValidPrefix String prefix,
        @Min(1) @Max(4096) Integer batchSize,
        @Min(1) Long limit,
        Boolean retryFailures,
        Partition partition,
        @DurationMin(seconds = 1) @DurationMax(days = 30) Duration deadline,
        Boolean dryRun,
        @Size(min = 1, message = "must name at least one failure reason")
                Set<FailureReason> retryReasons) {

    /** The request of an empty body: everything from the configuration. */
    public static JobRequest defaults() {
        return new JobRequest(null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * A catalogue named in the request.
     *
     * @param type how to read it (default: guessed from the location)
     * @param location a manifest file or image folder (at most {@value #MAX_LOCATION_LENGTH}
     *     characters, Linux's PATH_MAX)
     */
    public record CatalogOverride(
            CatalogType type,
            @jakarta.validation.constraints.NotBlank @Size(max = MAX_LOCATION_LENGTH)
                    String location) {

        public static final int MAX_LOCATION_LENGTH = 4096;
    }
}
