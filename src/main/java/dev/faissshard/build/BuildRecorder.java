package dev.faissshard.build;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexEvents;
import dev.faissshard.index.ShardRecord;
import java.time.Duration;

/**
 * The one place a build's events become numbers: each is recorded into the job's statistics (the
 * job view) and the service's meters (Prometheus) at once, so the two never drift apart.
 */
final class BuildRecorder implements IndexEvents {

    private final BuildStatistics stats;
    private final BuildMetrics metrics;

    BuildRecorder(BuildStatistics stats, BuildMetrics metrics) {
        this.stats = stats;
        this.metrics = metrics;
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
        stats.failed(reason);
        metrics.failed(reason);
    }

    void fetched(long bytes) {
        metrics.fetched(bytes);
    }

    void stage(Stage stage, long nanos) {
        stats.stage(stage, nanos);
        metrics.stage(stage, nanos);
    }

    void embedded(int count) {
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
