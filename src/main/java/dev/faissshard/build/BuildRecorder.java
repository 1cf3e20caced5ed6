package dev.faissshard.build;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexEvents;
import dev.faissshard.index.ShardRecord;
import java.time.Clock;
import java.time.Duration;

/**
 * The one place a build's events become numbers: each is recorded into the job's statistics (the
 * job view) and the service's meters (Prometheus) at once, so the two never drift apart.
 */
final class BuildRecorder implements IndexEvents {

    private final BuildStatistics stats;
    private final BuildMetrics metrics;
    private final Clock clock;

    BuildRecorder(BuildStatistics stats, BuildMetrics metrics) {
        this(stats, metrics, Clock.systemUTC());
    }

    BuildRecorder(BuildStatistics stats, BuildMetrics metrics, Clock clock) {
        this.stats = stats;
        this.metrics = metrics;
        this.clock = clock;
    }

    BuildMetrics metrics() {
        return metrics;
    }

    /** A batch was committed: progress, for the stall detector. */
    void committed() {
        progressed();
    }

    private void progressed() {
        stats.progressed(clock.instant());
    }

    BuildStatistics stats() {
        return stats;
    }

    void seen(long count) {
        stats.seen(count);
    }

    void skipped(long count) {
        stats.skipped(count);
        metrics.skipped(count);
    }

    void failed(FailureReason reason) {
        progressed();
        stats.failed(reason);
        metrics.failed(reason);
    }

    void fetched(long bytes) {
        progressed();
        metrics.fetched(bytes);
    }

    void stage(Stage stage, long nanos) {
        if (stage == Stage.DECODE) {
            progressed(); // one image decoded (or found undecodable): it finished
        }
        stats.stage(stage, nanos);
        metrics.stage(stage, nanos);
    }

    void embedded(int count) {
        progressed();
        stats.embedded(count);
        metrics.embedded(count);
    }

    void batch(Duration duration) {
        metrics.batch(duration);
    }

    @Override
    public void uploaded(String kind, long bytes, long nanos) {
        stats.uploaded(bytes);
        metrics.uploaded(kind, bytes);
        stage(Stage.UPLOAD, nanos);
    }

    @Override
    public void serialized(long bytes, long nanos) {
        stage(Stage.SERIALIZE, nanos);
    }

    @Override
    public void added(IndexType type, int vectors, long nanos) {
        stage(Stage.ADD, nanos);
    }

    @Override
    public void sealed(IndexType type, ShardRecord shard) {
        metrics.sealed(type);
    }
}
