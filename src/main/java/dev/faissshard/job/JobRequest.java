package dev.faissshard.job;

import dev.faissshard.catalog.CatalogType;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.ValidPrefix;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.time.Duration;
import java.util.List;
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
 * @param operation {@code build} (default), {@code compact} or {@code delete}
 * @param deleteIds for {@code delete} only: 1 to {@value #MAX_DELETE_IDS} catalogue ids (each
 *     non-blank, at most {@value #MAX_ID_LENGTH} characters, as the catalogues accept them) whose
 *     vectors become tombstones
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
                Set<FailureReason> retryReasons,
        JobOperation operation,
        @Size(
                        min = 1,
                        max = MAX_DELETE_IDS,
                        message = "must hold 1 to " + MAX_DELETE_IDS + " catalogue ids")
                List<
                                @NotBlank(message = "must be a non-blank catalogue id")
                                @Size(
                                        max = MAX_ID_LENGTH,
                                        message =
                                                "must be at most " + MAX_ID_LENGTH + " characters")
                                String>
                        deleteIds) {

    /** Most ids one delete request names. */
    public static final int MAX_DELETE_IDS = 10_000;

    /** Longest catalogue id a delete request names (as long as a search by id accepts). */
    public static final int MAX_ID_LENGTH = 1024;

    /** A build request (the fields before operations existed). */
    public JobRequest(
            Set<IndexType> indexTypes,
            CatalogOverride catalog,
            String prefix,
            Integer batchSize,
            Long limit,
            Boolean retryFailures,
            Partition partition,
            Duration deadline,
            Boolean dryRun,
            Set<FailureReason> retryReasons) {
        this(
                indexTypes,
                catalog,
                prefix,
                batchSize,
                limit,
                retryFailures,
                partition,
                deadline,
                dryRun,
                retryReasons,
                null,
                null);
    }

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
