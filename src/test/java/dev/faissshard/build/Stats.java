package dev.faissshard.build;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexProgress;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Build statistics kept in maps, for tests to read back. */
final class Stats implements BuildStatistics {

    final LongAdder seen = new LongAdder();
    final LongAdder embedded = new LongAdder();
    final LongAdder skipped = new LongAdder();
    final LongAdder uploadedBytes = new LongAdder();
    final Map<FailureReason, Integer> failed = new ConcurrentHashMap<>();
    final Map<Stage, Long> stages = new ConcurrentHashMap<>();
    final Map<IndexType, IndexProgress> indexes = new EnumMap<>(IndexType.class);

    @Override
    public void seen(long count) {
        seen.add(count);
    }

    @Override
    public void embedded(long count) {
        embedded.add(count);
    }

    @Override
    public void skipped(long count) {
        skipped.add(count);
    }

    @Override
    public void failed(FailureReason reason) {
        failed.merge(reason, 1, Integer::sum);
    }

    @Override
    public void stage(Stage stage, long nanos) {
        stages.merge(stage, nanos, Long::sum);
    }

    @Override
    public void uploaded(long bytes) {
        uploadedBytes.add(bytes);
    }

    @Override
    public synchronized void index(IndexType type, IndexProgress progress, long openVectors) {
        indexes.put(type, progress);
    }

    @Override
    public void total(OptionalLong total) {}

    @Override
    public void touch(Instant at) {}
}
