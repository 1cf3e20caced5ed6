package dev.faissshard.build;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexLayout;
import java.util.Set;
import java.util.function.Predicate;

/**
 * What one build does.
 *
 * @param name names the build in logs (the job id)
 * @param indexTypes indexes to build
 * @param layout where the index lives in storage
 * @param batchSize images per batch
 * @param limit images to attempt at most; 0 for the whole catalogue
 * @param retryFailures whether permanently failed images are tried again
 * @param owns which catalogue ids are this build's (its partition)
 * @param shares how many partitions share the catalogue, for the expected total
 * @param retryReasons when not empty, only images that failed with these reasons are tried again
 */
public record BuildPlan(
        String name,
        Set<IndexType> indexTypes,
        IndexLayout layout,
        int batchSize,
        long limit,
        boolean retryFailures,
        Predicate<String> owns,
        int shares,
        Set<FailureReason> retryReasons) {

    public BuildPlan {
        retryReasons = retryReasons == null ? Set.of() : Set.copyOf(retryReasons);
    }

    /** Whether an image that failed for this reason is tried again. */
    public boolean retries(FailureReason reason) {
        if (!retryReasons.isEmpty()) {
            return retryReasons.contains(reason);
        }
        return reason.isTransient() || retryFailures;
    }
}
