package dev.faissshard.bench;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.DoneIds;
import dev.faissshard.index.FaissIds;
import dev.faissshard.index.IndexEvents;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.IndexProgress;
import dev.faissshard.index.ManifestPublisher;
import dev.faissshard.index.OpenIndex;
import dev.faissshard.index.Progress;
import dev.faissshard.index.ProgressStore;
import dev.faissshard.index.ShardRecord;
import dev.faissshard.index.StoredIndex;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.StorageClient;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The build's state at catalogue scale, without fetching or decoding anything: synthetic unit
 * vectors (Gaussian, normalised) go straight through {@link OpenIndex} (shard writers, FAISS,
 * segments, sealed shards, {@code progress.json}, failure log, manifest) into a local directory,
 * one batch of 256 ids at a time, 5% of the ids recorded as failed ({@code http_status}), as a job
 * does. Then the build is dropped without sealing (as a kill leaves it) and resumed as a job
 * resumes: the index opened, every catalogue id checked against the failures and the done ids up to
 * the first new one, one new batch added and committed.
 *
 * <p>Two scales, so that ten million ids fit a shared machine's disk: {@code vectors} uses the
 * built-in models' dimensions (512/652/1164) and 45 MB shards, and measures bytes, shards and add
 * rates per type; {@code state} divides both the dimensions and the shard size by {@value
 * #STATE_SCALE}, so each shard holds about as many ids as a real one (slightly fewer: the 8-byte id
 * does not shrink) and the state (shard count, id files, failures, progress, manifest) is that of a
 * real build of that many ids, while the vector bytes are a 64th. To keep the synthesis of ten
 * million ids short, {@code state} commits every {@value #COMMIT_EVERY} batches, then measures
 * single-batch commits at the end.
 *
 * <p>Usage: {@code ScaleBenchmark IDS [vectors|state] [DIR] [integer|hashed]}.
 */
public final class ScaleBenchmark {

    private static final int BATCH = 256;
    private static final int STATE_SCALE = 64;
    private static final int COMMIT_EVERY = 16;
    private static final int MEASURED_BATCHES = 20;
    private static final Map<IndexType, Integer> DIMENSIONS = new EnumMap<>(IndexType.class);

    static {
        DIMENSIONS.put(IndexType.COLOR, 512);
        DIMENSIONS.put(IndexType.STRUCTURE, 652);
        DIMENSIONS.put(IndexType.COMBINED, 1164);
    }

    private ScaleBenchmark() {}

    public static void main(String[] args) throws Exception {
        long ids = Long.parseLong(args[0]);
        boolean resumeOnly = args.length > 1 && args[1].equals("resume");
        boolean stateScale = args.length > 1 && (args[1].equals("state") || resumeOnly);
        Path dir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("scale-bench");
        boolean hashed = args.length > 3 && args[3].equals("hashed");
        int scale = stateScale ? STATE_SCALE : 1;
        Map<IndexType, ModelInfo> models = new EnumMap<>(IndexType.class);
        DIMENSIONS.forEach(
                (type, dimension) ->
                        models.put(
                                type,
                                new ModelInfo(
                                        "bench-" + type.key(),
                                        Integer.toHexString(dimension).repeat(64).substring(0, 64),
                                        Math.max(1, dimension / scale))));
        ShardProperties shardProperties =
                new ShardProperties(
                        DataSize.ofBytes(DataSize.ofMegabytes(45).toBytes() / scale),
                        0,
                        "IDMap,Flat",
                        Metric.INNER_PRODUCT,
                        1);
        ShardWriterFactory writers =
                new ShardWriterFactory(shardProperties, new FaissVectorIndexes(shardProperties));
        StorageClient storage = new LocalStorageClient(dir);
        JsonMapper json = JsonMapper.builder().build();
        Clock clock = Clock.systemUTC();
        ProgressStore progressStore = new ProgressStore(json);
        StoredIndex stored =
                new StoredIndex(
                        storage, progressStore, new ManifestPublisher(json, clock), writers, clock);
        IndexLocation location = stored.locate(IndexLayout.at("scale"));
        if (resumeOnly) {
            // A new process resuming the state a state run left, as a restarted job does: times
            // from the JVM's start (class loading and JIT included), not from this line.
            long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
            long sinceStart = System.currentTimeMillis() - jvmStart;
            System.out.printf(
                    Locale.ROOT,
                    "Scale benchmark, resume in a new process of the state at %s (JVM start to"
                            + " main: %d ms)%n",
                    dir,
                    sinceStart);
            resume(
                    stored,
                    location,
                    models,
                    hashed,
                    clock,
                    0,
                    System.nanoTime() - sinceStart * 1_000_000);
            return;
        }
        Bytes bytes = new Bytes();
        MemoryWatch memory = new MemoryWatch();
        memory.start();

        System.out.printf(
                Locale.ROOT,
                "Scale benchmark: %,d %s ids per type, %s (dimensions %d/%d/%d, shards of %s),"
                        + " batches of %d, 5%% failures, local storage at %s%n",
                ids,
                hashed ? "hashed" : "integer",
                stateScale ? "state scale (1/" + STATE_SCALE + " of the vector bytes)" : "vectors",
                models.get(IndexType.COLOR).dimension(),
                models.get(IndexType.STRUCTURE).dimension(),
                models.get(IndexType.COMBINED).dimension(),
                shardProperties.maxBytes(),
                BATCH,
                dir);

        // The build, left unsealed as a kill leaves it.
        long cpu = cpuNanos();
        long start = System.nanoTime();
        List<String> liveHeap = new ArrayList<>();
        long measuredFrom = Math.max(0, ids - (long) MEASURED_BATCHES * BATCH);
        List<Long> perBatchState = new ArrayList<>();
        List<Long> perBatchManifest = new ArrayList<>();
        long maxSingleBatchState = 0;
        Map<String, Long> maxSingleBatchParts = Map.of();
        long maxCommitState = 0;
        long commits = 0;
        try (OpenIndex index = stored.open(location, models, bytes)) {
            long next = 0;
            long batchNumber = index.committed().nextBatch();
            int sinceCommit = 0;
            long checkpoint = ids / 4;
            while (next < ids) {
                int count = (int) Math.min(BATCH, ids - next);
                append(index, batchNumber++, models, next, count, hashed, clock.instant());
                next += count;
                sinceCommit++;
                boolean measured = next > measuredFrom;
                if (!stateScale || measured || sinceCommit == COMMIT_EVERY || next == ids) {
                    Map<String, Long> before = bytes.snapshot();
                    index.commit(batchNumber, clock.instant());
                    Map<String, Long> delta = bytes.since(before);
                    long state =
                            delta.getOrDefault("progress", 0L)
                                    + delta.getOrDefault("failures", 0L)
                                    + delta.getOrDefault("shard-records", 0L);
                    if (sinceCommit == 1 && state > maxSingleBatchState) {
                        maxSingleBatchState = state;
                        maxSingleBatchParts = delta;
                    }
                    maxCommitState = Math.max(maxCommitState, state);
                    commits++;
                    sinceCommit = 0;
                    if (measured) {
                        perBatchState.add(state);
                        perBatchManifest.add(delta.getOrDefault("manifest", 0L));
                    }
                }
                if (checkpoint > 0 && next % checkpoint < count && next < ids) {
                    liveHeap.add(String.format(Locale.ROOT, "%,d ids: %s", next, memory.live()));
                }
            }
        }
        double buildSeconds = (System.nanoTime() - start) / 1e9;
        double buildCpu = (cpuNanos() - cpu) / 1e9;
        liveHeap.add(String.format(Locale.ROOT, "%,d ids: %s", ids, memory.live()));
        long peakHeapBuild = memory.peakHeap();
        long peakRssBuild = MemoryWatch.peakRss();

        Progress progress = progressStore.load(location.layout(), storage).orElseThrow();
        long progressBytes = storage.get(location.layout().progressKey()).length;
        long manifestBytes = storage.get(location.layout().manifestKey()).length;
        System.out.printf(
                Locale.ROOT,
                "  build: %.1f s wall, %.1f s CPU (%,.0f ids/s per type, all three types)%n",
                buildSeconds,
                buildCpu,
                ids / buildSeconds);
        for (IndexType type : IndexType.values()) {
            IndexProgress state = progress.indexes().get(type.key());
            System.out.printf(
                    Locale.ROOT,
                    "  %-9s %,12d vectors, %,5d sealed shards (%,d vectors each), %,d open"
                            + " segments, %,.1f MB stored, add %.1f s%n",
                    type.key(),
                    state.vectors(),
                    state.sealedShards().size(),
                    state.sealedShards().isEmpty() ? 0 : state.sealedShards().get(0).vectors(),
                    state.openSegments().size(),
                    state.bytes() / 1e6,
                    bytes.addNanos.getOrDefault(type, new AtomicLong()).get() / 1e9);
        }
        System.out.printf(
                Locale.ROOT,
                "  written in all: %s%n  progress.json %,d bytes; manifest %,d bytes; failure log"
                        + " %d object(s), %,d bytes; shard-record chunks %d%n",
                bytes.totals(),
                progressBytes,
                manifestBytes,
                progress.failureLog().size(),
                progress.failureLog().stream().mapToLong(r -> r.bytes()).sum(),
                progress.shardChunks().values().stream().mapToInt(List::size).sum());
        System.out.printf(
                Locale.ROOT,
                "  per batch at the end (%d single-batch commits): state (progress + failures +"
                        + " shard records) median %,d max %,d bytes; manifest median %,d max %,d"
                        + " bytes%n",
                perBatchState.size(),
                median(perBatchState),
                perBatchState.stream().mapToLong(Long::longValue).max().orElse(0),
                median(perBatchManifest),
                perBatchManifest.stream().mapToLong(Long::longValue).max().orElse(0));
        System.out.printf(
                Locale.ROOT,
                "  state written per commit over the whole build (%,d commits, of 1 to %d"
                        + " batches): max %,d bytes; max of single-batch commits %,d bytes;"
                        + " failure-log chunks %d%n",
                commits,
                COMMIT_EVERY,
                maxCommitState,
                maxSingleBatchState,
                progress.failureChunks().size());
        System.out.printf(
                Locale.ROOT,
                "  largest single-batch commit by object kind (bytes): %s; chunk lists named by"
                        + " progress.json: %d of shard chunks, %d of failure chunks%n",
                maxSingleBatchParts,
                progress.lists().shards().values().stream().mapToInt(List::size).sum(),
                progress.lists().failures().size());
        System.out.printf(
                Locale.ROOT,
                "  heap after GC while building: %s%n  peak heap %,.0f MB, peak RSS %,.0f MB%n",
                String.join("; ", liveHeap),
                peakHeapBuild / 1e6,
                peakRssBuild / 1e6);

        // The resume: open, skip what is done, first new batch committed.
        System.gc();
        long firstNew =
                resume(stored, location, models, hashed, clock, cpuNanos(), System.nanoTime());
        if (firstNew != ids) {
            throw new IllegalStateException("resumed at " + firstNew + ", not " + ids);
        }

        // The done-set at that size, measured on its own.
        for (IndexType type : IndexType.values()) {
            List<ShardRecord> shards =
                    progressStore
                            .load(location.layout(), storage)
                            .orElseThrow()
                            .indexes()
                            .get(type.key())
                            .sealedShards();
            DoneIds done =
                    new DoneIds(
                            shards, list -> StoredIndex.readIds(storage, location.layout(), list));
            long started = System.nanoTime();
            long held = 0;
            for (long id = 0; id < ids; id++) {
                if (done.contains(FaissIds.of(catalogId(id, hashed)))) {
                    held++;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "  done-set %-9s %,d sealed ids in %,d bytes (%.3f bytes/id), %d of %d shard"
                            + " id files read, %,d lookups in %.2f s%n",
                    type.key(),
                    done.sealedIdsInMemory(),
                    done.sealedMemoryBytes(),
                    done.sealedMemoryBytes() / (double) Math.max(1, done.sealedIdsInMemory()),
                    done.shardsRead(),
                    shards.size(),
                    held,
                    (System.nanoTime() - started) / 1e9);
        }
        System.out.printf(
                Locale.ROOT,
                "  whole run: peak heap %,.0f MB, peak RSS %,.0f MB%n",
                memory.peakHeap() / 1e6,
                MemoryWatch.peakRss() / 1e6);
        memory.interrupt();
    }

    /**
     * Opens the index, skips every catalogue id that is done (held, or failed for good) up to the
     * first one that is not, as a job's scan does, adds one batch from there and commits it; prints
     * the time since {@code startNanos} and the CPU since {@code startCpu}. Returns the first new
     * id.
     */
    private static long resume(
            StoredIndex stored,
            IndexLocation location,
            Map<IndexType, ModelInfo> models,
            boolean hashed,
            Clock clock,
            long startCpu,
            long startNanos) {
        long opened;
        long id = 0;
        try (OpenIndex index = stored.open(location, models, IndexEvents.NONE)) {
            opened = System.nanoTime();
            for (; ; id++) {
                String catalogId = catalogId(id, hashed);
                boolean failedForGood =
                        index.failure(catalogId).filter(f -> !f.reason().isTransient()).isPresent();
                if (!failedForGood && !index.holds(catalogId)) {
                    break;
                }
            }
            long batch = index.committed().nextBatch();
            append(index, batch, models, id, BATCH, hashed, clock.instant());
            index.commit(batch + 1, clock.instant());
        }
        System.out.printf(
                Locale.ROOT,
                "  resume to the first new batch committed: %.2f s wall (open %.2f s, %,d ids"
                        + " skipped), %.2f s CPU%n",
                (System.nanoTime() - startNanos) / 1e9,
                (opened - startNanos) / 1e9,
                id,
                (cpuNanos() - startCpu) / 1e9);
        return id;
    }

    private static String catalogId(long id, boolean hashed) {
        return hashed ? "sku-" + id : Long.toString(id);
    }

    /** One batch: 5% of its ids fail, the rest get a vector per type. */
    private static void append(
            OpenIndex index,
            long batch,
            Map<IndexType, ModelInfo> models,
            long from,
            int count,
            boolean hashed,
            Instant now) {
        List<String> ids = new ArrayList<>(count);
        List<Long> numbers = new ArrayList<>(count);
        for (long id = from; id < from + count; id++) {
            String catalogId = catalogId(id, hashed);
            if (id % 20 == 7) {
                index.fail(
                        catalogId,
                        "https://cdn.example.com/p/" + id + ".jpg",
                        FailureReason.HTTP_STATUS,
                        "HTTP 404",
                        now);
            } else {
                ids.add(catalogId);
                numbers.add(id);
            }
        }
        Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
        models.forEach(
                (type, model) -> {
                    int dimension = model.dimension();
                    float[] out = new float[ids.size() * dimension];
                    for (int i = 0; i < ids.size(); i++) {
                        SplittableRandom random =
                                new SplittableRandom(numbers.get(i) * 31 + dimension);
                        double norm = 0;
                        for (int j = 0; j < dimension; j++) {
                            float value = (float) random.nextGaussian();
                            out[i * dimension + j] = value;
                            norm += value * value;
                        }
                        float inverse = (float) (1 / Math.sqrt(norm));
                        for (int j = 0; j < dimension; j++) {
                            out[i * dimension + j] *= inverse;
                        }
                    }
                    vectors.put(type, out);
                });
        index.append(batch, vectors, ids);
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static long median(List<Long> values) {
        if (values.isEmpty()) {
            return 0;
        }
        List<Long> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    /** Bytes uploaded per kind, and add time per type, from the index's own events. */
    private static final class Bytes implements IndexEvents {

        final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
        final Map<IndexType, AtomicLong> addNanos = new ConcurrentHashMap<>();

        @Override
        public void uploaded(String kind, long bytes, long nanos) {
            byKind.computeIfAbsent(kind, k -> new AtomicLong()).addAndGet(bytes);
        }

        @Override
        public void serialized(long bytes, long nanos) {}

        @Override
        public void added(IndexType type, int vectors, long nanos) {
            addNanos.computeIfAbsent(type, k -> new AtomicLong()).addAndGet(nanos);
        }

        @Override
        public void sealed(IndexType type, ShardRecord shard) {}

        Map<String, Long> snapshot() {
            Map<String, Long> copy = new TreeMap<>();
            byKind.forEach((kind, value) -> copy.put(kind, value.get()));
            return copy;
        }

        Map<String, Long> since(Map<String, Long> before) {
            Map<String, Long> delta = snapshot();
            delta.replaceAll((kind, value) -> value - before.getOrDefault(kind, 0L));
            return delta;
        }

        String totals() {
            StringBuilder out = new StringBuilder();
            snapshot()
                    .forEach(
                            (kind, value) ->
                                    out.append(
                                            String.format(
                                                    Locale.ROOT,
                                                    "%s %,.1f MB; ",
                                                    kind,
                                                    value / 1e6)));
            return out.toString();
        }
    }

    /** Samples the heap every 20 ms for its peak; live heap is measured after a full GC. */
    private static final class MemoryWatch extends Thread {

        private final AtomicLong peak = new AtomicLong();

        MemoryWatch() {
            setDaemon(true);
            setName("memory-watch");
        }

        @Override
        public void run() {
            while (!isInterrupted()) {
                long used = 0;
                for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                    if (pool.getType() == MemoryType.HEAP) {
                        used += pool.getUsage().getUsed();
                    }
                }
                peak.accumulateAndGet(used, Math::max);
                try {
                    Thread.sleep(20);
                } catch (InterruptedException ex) {
                    return;
                }
            }
        }

        long peakHeap() {
            return peak.get();
        }

        String live() {
            System.gc();
            Runtime runtime = Runtime.getRuntime();
            return String.format(
                    Locale.ROOT,
                    "%,.1f MB live",
                    (runtime.totalMemory() - runtime.freeMemory()) / 1e6);
        }

        static long peakRss() {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (line.startsWith("VmHWM:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (java.io.IOException ex) {
                return -1;
            }
            return -1;
        }
    }
}
