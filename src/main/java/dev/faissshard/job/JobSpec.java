package dev.faissshard.job;

import dev.faissshard.catalog.CatalogSpec;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexLayout;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A request resolved against the configuration: what one job does.
 *
 * @param indexTypes indexes to build
 * @param catalog where the images come from
 * @param layout where the index lives in storage
 * @param batchSize images per batch
 * @param limit images to attempt at most; 0 for the whole catalogue
 * @param retryFailures whether permanently failed images are tried again
 * @param partition the share of the catalogue this job builds
 * @param deadline longest running time, counted from the start; null for none
 * @param retryReasons when not empty, only images that failed with these reasons are tried again
 *     (and every other failed image is left as it is)
 * @param operation what the job does (build, compact, delete)
 * @param deleteIds the catalogue ids a delete job records as deleted; empty otherwise
 */
public record JobSpec(
        Set<IndexType> indexTypes,
        CatalogSpec catalog,
        IndexLayout layout,
        int batchSize,
        long limit,
        boolean retryFailures,
        Partition partition,
        Duration deadline,
        Set<FailureReason> retryReasons,
        JobOperation operation,
        List<String> deleteIds) {

    public JobSpec {
        retryReasons = retryReasons == null ? Set.of() : Set.copyOf(retryReasons);
        operation = operation == null ? JobOperation.BUILD : operation;
        deleteIds = deleteIds == null ? List.of() : List.copyOf(deleteIds);
    }

    /** A build spec. */
    public JobSpec(
            Set<IndexType> indexTypes,
            CatalogSpec catalog,
            IndexLayout layout,
            int batchSize,
            long limit,
            boolean retryFailures,
            Partition partition,
            Duration deadline,
            Set<FailureReason> retryReasons) {
        this(
                indexTypes,
                catalog,
                layout,
                batchSize,
                limit,
                retryFailures,
                partition,
                deadline,
                retryReasons,
                JobOperation.BUILD,
                List.of());
    }

    /**
     * A spec without a deadline that retries failures by their reason's transient / permanent rule
     * alone.
     */
    public JobSpec(
            Set<IndexType> indexTypes,
            CatalogSpec catalog,
            IndexLayout layout,
            int batchSize,
            long limit,
            boolean retryFailures,
            Partition partition) {
        this(
                indexTypes,
                catalog,
                layout,
                batchSize,
                limit,
                retryFailures,
                partition,
                null,
                Set.of());
    }
}
