package dev.faissshard.build;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexProgress;
import java.time.Instant;
import java.util.OptionalLong;

/** Where one build keeps its live counters, for whoever shows them (the job view). Thread-safe. */
public interface BuildStatistics {

    /** Catalogue entries of this build's partition read. */
    void seen(long count);

    void embedded(long count);

    /** Entries skipped as already indexed (or failed for good). */
    void skipped(long count);

    void failed(FailureReason reason);

    void stage(Stage stage, long nanos);

    void uploaded(long bytes);

    /** The state of one index type after a batch, and the vectors in its open shard. */
    void index(IndexType type, IndexProgress progress, long openVectors);

    /** This build's expected share of the catalogue, when the catalogue can tell its size. */
    void total(OptionalLong total);

    void touch(Instant at);

    /**
     * The build made progress (an image finished, a batch was committed): what the stall detector
     * watches.
     */
    default void progressed(Instant at) {}
}
