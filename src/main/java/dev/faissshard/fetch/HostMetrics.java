package dev.faissshard.fetch;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The per-host politeness state as meters, tagged by host class (the configured pattern that
 * matched, or {@code other}), never by host or URL: {@code fsb_fetch_host_in_flight}, {@code
 * fsb_fetch_throttled_total}, {@code fsb_fetch_host_backoff_seconds}. Every class is registered at
 * start, so that the series exist (at zero) before the first request.
 */
final class HostMetrics {

    private static final String TAG = "host_class";

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> inFlight = new LinkedHashMap<>();
    private final Map<String, Counter> throttled = new LinkedHashMap<>();

    HostMetrics(MeterRegistry registry, HostRules rules) {
        this.registry = registry;
        for (String hostClass : rules.classes()) {
            AtomicInteger count = new AtomicInteger();
            Gauge.builder("fsb.fetch.host.in.flight", count, AtomicInteger::get)
                    .tag(TAG, hostClass)
                    .description("Image downloads in flight to the hosts of a class")
                    .strongReference(true)
                    .register(registry);
            inFlight.put(hostClass, count);
            throttled.put(
                    hostClass,
                    Counter.builder("fsb.fetch.throttled")
                            .tag(TAG, hostClass)
                            .description("429 / 503 answers from the hosts of a class")
                            .register(registry));
        }
    }

    /** Registers the backoff gauges, read from the scheduler when scraped. */
    void bind(HostScheduler scheduler) {
        for (String hostClass : inFlight.keySet()) {
            Gauge.builder(
                            "fsb.fetch.host.backoff",
                            scheduler,
                            current -> current.backoffSeconds(hostClass))
                    .tag(TAG, hostClass)
                    .baseUnit("seconds")
                    .description("Longest backoff left among the hosts of a class after 429 / 503")
                    .strongReference(true)
                    .register(registry);
        }
    }

    void started(String hostClass) {
        inFlight.get(hostClass).incrementAndGet();
    }

    void finished(String hostClass) {
        inFlight.get(hostClass).decrementAndGet();
    }

    void throttled(String hostClass) {
        throttled.get(hostClass).increment();
    }
}
