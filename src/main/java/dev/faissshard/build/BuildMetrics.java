package dev.faissshard.build;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Component;

/**
 * Micrometer meters of the build pipeline. Names are dotted here and appear as {@code
 * fsb_images_embedded_total} and so on on the Prometheus endpoint.
 */
@Component
class BuildMetrics {

    private final MeterRegistry registry;
    private final Counter fetched;
    private final Counter fetchedBytes;
    private final Counter embedded;
    private final Counter skipped;
    private final Timer batches;
    private final Counter outageSeconds;

    BuildMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.fetched =
                Counter.builder("fsb.images.fetched")
                        .description("Images downloaded")
                        .register(registry);
        this.fetchedBytes =
                Counter.builder("fsb.images.fetched.bytes")
                        .baseUnit("bytes")
                        .description("Image bytes downloaded")
                        .register(registry);
        this.embedded =
                Counter.builder("fsb.images.embedded")
                        .description("Images embedded into the indexes")
                        .register(registry);
        this.skipped =
                Counter.builder("fsb.images.skipped")
                        .description("Images skipped as already indexed")
                        .register(registry);
        this.batches =
                Timer.builder("fsb.batch.duration")
                        .description("Time to embed, add and flush one batch")
                        .register(registry);
        this.outageSeconds =
                Counter.builder("fsb.storage.outage")
                        .baseUnit("seconds")
                        .description(
                                "Seconds builds spent waiting for unavailable storage (summed over"
                                        + " jobs)")
                        .register(registry);
        // Registered at zero: a finished job keeps its tail open, so many builds seal no shard,
        // and a counter that appears only at the first seal cannot be graphed or alerted on.
        for (IndexType type : IndexType.values()) {
            sealedCounter(type);
        }
    }

    void outage(long nanos) {
        outageSeconds.increment(nanos / 1e9);
    }

    void fetched(long bytes) {
        fetched.increment();
        fetchedBytes.increment(bytes);
    }

    void embedded(int count) {
        embedded.increment(count);
    }

    void skipped(long count) {
        skipped.increment(count);
    }

    void failed(FailureReason reason) {
        Counter.builder("fsb.images.failed")
                .description("Images that could not be embedded")
                .tag("reason", reason.key())
                .register(registry)
                .increment();
    }

    void batch(Duration duration) {
        batches.record(duration);
    }

    void stage(Stage stage, long nanos) {
        Timer.builder("fsb.stage.duration")
                .description("Time spent per pipeline stage")
                .tag("stage", stage.name().toLowerCase(java.util.Locale.ROOT))
                .register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
    }

    void uploaded(String kind, long bytes) {
        Counter.builder("fsb.storage.uploads")
                .description("Objects uploaded")
                .tag("kind", kind)
                .register(registry)
                .increment();
        Counter.builder("fsb.storage.uploaded.bytes")
                .baseUnit("bytes")
                .description("Bytes uploaded")
                .tag("kind", kind)
                .register(registry)
                .increment(bytes);
    }

    void sealed(IndexType type) {
        sealedCounter(type).increment();
    }

    private Counter sealedCounter(IndexType type) {
        return Counter.builder("fsb.shards.sealed")
                .description("Shards sealed and uploaded")
                .tag("type", type.key())
                .register(registry);
    }
}
