package dev.faissshard.bench;

import dev.faissshard.FaissShardBuilderApplication;
import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobView;
import dev.faissshard.system.NativeMemoryLimits;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * End-to-end build benchmark: all three index types for a catalogue of images served over HTTP,
 * into local storage. Prints images/s, time per stage, peak heap and process RSS, and uploaded
 * bytes over final index bytes. Run through {@code scripts/benchmark.sh}, which generates the
 * images and serves them with nginx on 127.0.0.1.
 *
 * <p>Usage: {@code BuildBenchmark CATALOG_CSV STORAGE_DIR [--property=value …]}; extra arguments go
 * to the service (for example {@code --fsb.shard.max-bytes=8MB}).
 */
public final class BuildBenchmark {

    private static final Duration LIVE_HEAP_SAMPLE = Duration.ofSeconds(5);

    /** The largest heap live set sampled during the build: what the build really holds. */
    private static final AtomicLong PEAK_LIVE_HEAP = new AtomicLong();

    private BuildBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path catalog = Path.of(args[0]);
        Path storage = Path.of(args[1]);
        NativeMemoryLimits.applyDefaults();
        watchLiveHeap();
        List<String> arguments =
                new ArrayList<>(
                        List.of(
                                "--fsb.storage.local.root=" + storage,
                                "--fsb.catalog.location=" + catalog,
                                "--logging.level.root=WARN",
                                "--logging.level.dev.faissshard=WARN"));
        arguments.addAll(Arrays.asList(args).subList(2, args.length));
        long started = System.nanoTime();
        try (ConfigurableApplicationContext context =
                new SpringApplicationBuilder(FaissShardBuilderApplication.class)
                        .web(WebApplicationType.NONE)
                        // Arguments, not default properties: application.yml would override those.
                        .run(arguments.toArray(String[]::new))) {
            double startup = (System.nanoTime() - started) / 1e9;
            JobService jobs = context.getBean(JobService.class);
            Job job = jobs.submit(JobRequest.defaults());
            while (!job.state().isFinished()) {
                Thread.sleep(200);
            }
            report(jobs.view(job), startup, storage);
        }
    }

    private static void report(JobView view, double startup, Path storage) throws IOException {
        double seconds = Duration.between(view.startedAt(), view.finishedAt()).toMillis() / 1000.0;
        System.out.printf(
                Locale.ROOT,
                "state                 %s%s%n",
                view.state(),
                view.lastError() == null ? "" : " (" + view.lastError() + ")");
        long finalBytes = finalIndexBytes(storage.resolve("faiss"));
        System.out.printf(Locale.ROOT, "startup               %.1f s%n", startup);
        System.out.printf(
                Locale.ROOT,
                "images                %d embedded, %d failed, %d skipped%n",
                view.counts().embedded(),
                view.counts().failed(),
                view.counts().skipped());
        System.out.printf(Locale.ROOT, "wall time             %.2f s%n", seconds);
        System.out.printf(
                Locale.ROOT,
                "throughput            %.0f images/s end to end%n",
                view.counts().embedded() / seconds);
        view.stageSeconds()
                .forEach(
                        (stage, value) ->
                                System.out.printf(
                                        Locale.ROOT,
                                        "stage %-15s %.2f s (%.3f ms/image)%n",
                                        stage,
                                        value,
                                        value * 1000 / Math.max(1, view.counts().embedded())));
        view.indexes()
                .forEach(
                        (type, index) ->
                                System.out.printf(
                                        Locale.ROOT,
                                        "index %-15s %d shards, %d vectors, %.1f MiB%n",
                                        type,
                                        index.sealedShards(),
                                        index.vectors(),
                                        index.bytes() / 1048576.0));
        System.out.printf(
                Locale.ROOT,
                "peak heap pools       %.0f MiB (sum of each pool's peak, garbage included)%n",
                peakHeapBytes() / 1048576.0);
        System.out.printf(
                Locale.ROOT,
                "peak live heap        %.0f MiB (full collection every %d s)%n",
                PEAK_LIVE_HEAP.get() / 1048576.0,
                LIVE_HEAP_SAMPLE.toSeconds());
        System.out.printf(Locale.ROOT, "peak RSS              %.0f MiB%n", peakRssKiB() / 1024.0);
        System.out.printf(
                Locale.ROOT,
                "uploaded / final      %.1f MiB / %.1f MiB = %.2fx%n",
                view.uploadedBytes() / 1048576.0,
                finalBytes / 1048576.0,
                (double) view.uploadedBytes() / Math.max(1, finalBytes));
    }

    /** The sealed {@code .faiss} shards alone: the strictest reading of "final index bytes". */
    private static long finalIndexBytes(Path faiss) throws IOException {
        if (!Files.isDirectory(faiss)) {
            return 0;
        }
        try (var files = Files.list(faiss)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(".faiss"))
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    /**
     * Samples the live heap every few seconds with a full collection, so garbage (which G1 keeps
     * until it needs the room) does not count: what the build holds is what must not grow with the
     * catalogue.
     */
    private static void watchLiveHeap() {
        Thread sampler =
                new Thread(
                        () -> {
                            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
                            while (!Thread.currentThread().isInterrupted()) {
                                try {
                                    Thread.sleep(LIVE_HEAP_SAMPLE.toMillis());
                                } catch (InterruptedException ex) {
                                    return;
                                }
                                memory.gc();
                                // What the collection left, not the heap a moment later: the build
                                // allocates hundreds of
                                // MB/s, so reading the current usage after gc() counted fresh
                                // garbage as live.
                                long live =
                                        ManagementFactory.getMemoryPoolMXBeans().stream()
                                                .filter(p -> p.getType() == MemoryType.HEAP)
                                                .map(MemoryPoolMXBean::getCollectionUsage)
                                                .filter(java.util.Objects::nonNull)
                                                .mapToLong(MemoryUsage::getUsed)
                                                .sum();
                                PEAK_LIVE_HEAP.accumulateAndGet(live, Math::max);
                            }
                        },
                        "live-heap-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    private static long peakHeapBytes() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .map(MemoryPoolMXBean::getPeakUsage)
                .mapToLong(u -> u.getUsed())
                .sum();
    }

    private static long peakRssKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
