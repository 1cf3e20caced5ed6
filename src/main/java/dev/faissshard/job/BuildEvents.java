package dev.faissshard.job;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.shard.ShardEvents;
import dev.faissshard.index.ShardRecord;

/** Feeds what the shard writers report into the job's statistics and the service's metrics. */
final class BuildEvents implements ShardEvents {

    private final JobStats stats;
    private final JobMetrics metrics;

    BuildEvents(JobStats stats, JobMetrics metrics) {
        this.stats = stats;
        this.metrics = metrics;
    }

    @Override
    public void uploaded(String kind, long bytes, long nanos) {
        stats.uploaded(bytes);
        stats.stage(JobStats.Stage.UPLOAD, nanos);
        metrics.uploaded(kind, bytes);
        metrics.stage(JobStats.Stage.UPLOAD, nanos);
    }

    @Override
    public void serialized(long bytes, long nanos) {
        stats.stage(JobStats.Stage.SERIALIZE, nanos);
        metrics.stage(JobStats.Stage.SERIALIZE, nanos);
    }

    @Override
    public void added(IndexType type, int vectors, long nanos) {
        stats.stage(JobStats.Stage.ADD, nanos);
        metrics.stage(JobStats.Stage.ADD, nanos);
    }

    @Override
    public void sealed(IndexType type, ShardRecord shard) {
        metrics.sealed(type);
    }
}
