package dev.faissshard.build;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexProgress;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters of one build, as its {@link BuildStatistics} events leave them: written by the
 * build's threads, read at any time (the job view shows them; tests read them back).
 */
public final class BuildCounters implements BuildStatistics {

    private final LongAdder seen = new LongAdder();
    private final LongAdder embedded = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final Map<FailureReason, LongAdder> failed = new ConcurrentHashMap<>();
    private final Map<Stage, LongAdder> stageNanos = new ConcurrentHashMap<>();
    private final AtomicLong uploadedBytes = new AtomicLong();
    private final Map<IndexType, IndexProgress> indexes = new ConcurrentHashMap<>();
    private final Map<IndexType, Long> openVectors = new ConcurrentHashMap<>();
    private volatile OptionalLong total = OptionalLong.empty();
    private volatile Instant updatedAt;
    private volatile Instant lastProgressAt;

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
        failed.computeIfAbsent(reason, r -> new LongAdder()).increment();
    }

    @Override
    public void stage(Stage stage, long nanos) {
        stageNanos.computeIfAbsent(stage, s -> new LongAdder()).add(nanos);
    }

    @Override
    public void uploaded(long bytes) {
        uploadedBytes.addAndGet(bytes);
    }

    @Override
    public void index(IndexType type, IndexProgress progress, long open) {
        indexes.put(type, progress);
        openVectors.put(type, open);
    }

    @Override
    public void total(OptionalLong total) {
        this.total = total;
    }

    @Override
    public void touch(Instant at) {
        updatedAt = at;
    }

    @Override
    public void progressed(Instant at) {
        lastProgressAt = at;
    }

    public Instant lastProgressAt() {
        return lastProgressAt;
    }

    public long seen() {
        return seen.sum();
    }

    public long embedded() {
        return embedded.sum();
    }

    public long skipped() {
        return skipped.sum();
    }

    public long failedTotal() {
        return failed.values().stream().mapToLong(LongAdder::sum).sum();
    }

    public Map<String, Long> failedByReason() {
        Map<String, Long> out = new TreeMap<>();
        failed.forEach((reason, count) -> out.put(reason.key(), count.sum()));
        return out;
    }

    public Map<String, Double> stageSeconds() {
        Map<String, Double> out = new TreeMap<>();
        stageNanos.forEach(
                (stage, nanos) ->
                        out.put(
                                stage.name().toLowerCase(java.util.Locale.ROOT),
                                nanos.sum() / 1e9));
        return out;
    }

    public long uploadedBytes() {
        return uploadedBytes.get();
    }

    public Map<IndexType, IndexProgress> indexes() {
        Map<IndexType, IndexProgress> copy = new EnumMap<>(IndexType.class);
        copy.putAll(indexes);
        return copy;
    }

    public long openVectors(IndexType type) {
        return openVectors.getOrDefault(type, 0L);
    }

    public OptionalLong total() {
        return total;
    }

    public Instant updatedAt() {
        return updatedAt;
    }
}
