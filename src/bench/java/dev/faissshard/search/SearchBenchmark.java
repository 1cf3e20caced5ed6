package dev.faissshard.search;

import dev.faissshard.index.FaissIds;
import dev.faissshard.index.IdFile;
import dev.faissshard.index.Manifest;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardSizeModel;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.testimages.ProductImageGenerator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The search benchmark's client (run by {@code scripts/benchmark-search.sh}, not a test): asks the
 * running service for its models, synthesises {@code N} unit vectors per type into flat shards of
 * the default size limit in the service's storage folder (the builder's layout, string ids, a
 * manifest), then measures {@code POST /search} by id and by uploaded 512-px JPEG at 1, 8 and 32
 * concurrent clients: p50 / p99 latency, queries per second, failures; and the service's resident
 * memory after loading the index against the shards' bytes.
 *
 * <p>Arguments: base URL, storage folder, service pid, vectors per type, seconds per level.
 * Environment: {@code BENCH_QUERIES} (default {@code id,upload,publish}; {@code publish}: by id at
 * 8 clients while a build publishes) and {@code BENCH_CLIENTS} (default {@code 1,8,32}) choose the
 * levels, {@code BENCH_WARMUP_SECONDS} (default 10) the unmeasured load before each.
 */
public final class SearchBenchmark {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long MAX_SHARD_BYTES = 45L * 1024 * 1024;

    /**
     * Unmeasured load before each level: the JIT compiles the request path during the first few
     * thousand searches, and the levels are meant to show the service warm.
     */
    private static final int WARMUP_SECONDS =
            Integer.parseInt(System.getenv().getOrDefault("BENCH_WARMUP_SECONDS", "10"));

    private SearchBenchmark() {}

    public static void main(String[] args) throws Exception {
        String base = args[0];
        Path storage = Path.of(args[1]);
        long pid = Long.parseLong(args[2]);
        int perType = Integer.parseInt(args[3]);
        int seconds = Integer.parseInt(args[4]);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        byte[] jpeg =
                ProductImageGenerator.jpeg(
                        ProductImageGenerator.render(ProductImageGenerator.catalogueSpec(17), 512),
                        0.9f);

        Map<String, Map<String, Object>> models = models(http, base, jpeg);
        long bytes = 0;
        List<Manifest.Entry> shards = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < perType; i++) {
            ids.add("sku-" + Long.toHexString(new Random(i).nextLong()));
        }
        Path manifestFile = storage.resolve("faiss/manifest.json");
        restoreAfterPublishing(storage);
        if (Files.exists(manifestFile)) {
            // Kept from an earlier run with the same N (see the script): synthesising takes longer
            // than measuring.
            Manifest kept = JSON.readValue(Files.readAllBytes(manifestFile), Manifest.class);
            shards.addAll(kept.shards());
            System.out.println("Reusing the synthesised index in " + storage);
        } else {
            for (Map.Entry<String, Map<String, Object>> model : models.entrySet()) {
                shards.addAll(synthesise(storage, model.getKey(), model.getValue(), ids));
            }
            Manifest manifest =
                    new Manifest(Manifest.FORMAT_VERSION, Instant.now(), shards, List.of(), true);
            Files.createDirectories(storage.resolve("faiss"));
            Files.write(manifestFile, JSON.writeValueAsBytes(manifest));
        }
        for (Manifest.Entry shard : shards) {
            bytes += shard.bytes();
        }
        System.out.printf(
                Locale.ROOT,
                "Synthesised %,d vectors per type in %d shards, %,d bytes%n",
                perType,
                shards.size(),
                bytes);

        long rssBefore = rss(pid);
        long start = System.nanoTime();
        HttpResponse<String> first =
                http.send(searchById(base, ids.get(0)), HttpResponse.BodyHandlers.ofString());
        if (first.statusCode() != 200) {
            throw new IllegalStateException(
                    "first search failed: " + first.statusCode() + " " + first.body());
        }
        System.out.printf(
                Locale.ROOT,
                "Loaded (first search) in %.1f s%n",
                (System.nanoTime() - start) / 1e9);
        long rssAfter = rss(pid);
        System.out.printf(
                Locale.ROOT,
                "RSS %,d -> %,d bytes: +%,d for %,d bytes of shards (%.2fx)%n",
                rssBefore,
                rssAfter,
                rssAfter - rssBefore,
                bytes,
                (rssAfter - rssBefore) / (double) bytes);

        // CPU per query says more than queries/s on a machine shared with other work.
        System.out.println(
                "| query | clients | queries/s | p50 ms | p99 ms | failed | service CPU ms/query |"
                        + " load |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        List<String> modes =
                List.of(
                        System.getenv()
                                .getOrDefault("BENCH_QUERIES", "id,upload,publish")
                                .split(","));
        int[] levels =
                Arrays.stream(System.getenv().getOrDefault("BENCH_CLIENTS", "1,8,32").split(","))
                        .mapToInt(Integer::parseInt)
                        .toArray();
        // wrk unless told otherwise: the JDK client costs the shared cores more than the service's
        // own request handling does (see WrkLevel).
        WrkLevel wrk =
                !"java".equals(System.getenv("BENCH_CLIENT")) && WrkLevel.available()
                        ? WrkLevel.prepare(storage.resolveSibling("wrk"), ids, jpeg)
                        : null;
        System.out.println(
                "Client of the id and upload levels: "
                        + (wrk == null ? "the JDK's HttpClient" : "wrk")
                        + " (BENCH_CLIENT=java: the JDK's HttpClient)");
        for (String mode : modes) {
            if (mode.equals("publish")) {
                publishing(http, base, pid, seconds, ids, jpeg, storage, models);
                continue;
            }
            for (int clients : levels) {
                if (wrk != null) {
                    runWrk(wrk, base, pid, mode, clients, seconds);
                } else {
                    run(http, base, pid, mode, mode, clients, seconds, ids, jpeg, null);
                }
            }
        }
        System.out.printf(Locale.ROOT, "RSS at the end: %,d bytes%n", rss(pid));
    }

    /**
     * Searches by id at 8 clients while a build publishes into the served prefix: every {@link
     * #PUBLISH_EVERY} a new open segment of 1,000 vectors per type is published with the manifest
     * (complete false), and the previous round's segment is sealed, as a build seals it: copied
     * into a shard, named by the next manifest, and deleted right after that manifest is published,
     * so the service's refreshes meet segments deleted under them. Prints the level's row (failures
     * are what counts) and how many manifests were published and served; then publishes the
     * synthesised index's own manifest again and deletes what the phase added.
     */
    private static void publishing(
            HttpClient http,
            String base,
            long pid,
            int seconds,
            List<String> ids,
            byte[] jpeg,
            Path storage,
            Map<String, Map<String, Object>> models)
            throws Exception {
        Path manifestFile = storage.resolve("faiss/manifest.json");
        byte[] original = Files.readAllBytes(manifestFile);
        // Kept until the phase has cleaned up, so a run killed during it restores the index.
        Files.write(storage.resolve(SYNTHESISED_MANIFEST), original);
        Manifest sealed = JSON.readValue(original, Manifest.class);
        Path live = storage.resolve("faiss/live");
        Files.createDirectories(live);
        java.util.Set<String> served = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AtomicLong published = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean stop =
                new java.util.concurrent.atomic.AtomicBoolean();
        Thread publisher =
                new Thread(
                        () -> {
                            try {
                                publish(storage, models, sealed, stop, published);
                            } catch (Exception ex) {
                                throw new IllegalStateException("publishing failed", ex);
                            }
                        },
                        "bench-publisher");
        java.util.concurrent.atomic.AtomicReference<Throwable> publishFailure =
                new java.util.concurrent.atomic.AtomicReference<>();
        publisher.setUncaughtExceptionHandler((thread, ex) -> publishFailure.set(ex));
        publisher.start();
        try {
            run(http, base, pid, "id", "id, build publishing", 8, seconds, ids, jpeg, served);
        } finally {
            stop.set(true);
            publisher.join();
            atomicWrite(manifestFile, original);
        }
        if (publishFailure.get() != null) {
            throw new IllegalStateException("publishing failed", publishFailure.get());
        }
        System.out.printf(
                Locale.ROOT,
                "While searching: %d manifests published, %d of them served (distinct"
                        + " publishedAt in the answers)%n",
                published.get(),
                served.size());
        // The service drops the phase's shards at its next refresh; files it still reads are
        // retried from the restored manifest.
        Thread.sleep(6000);
        restoreAfterPublishing(storage);
    }

    private static final String SYNTHESISED_MANIFEST = "faiss/manifest.synthesised.json";

    /**
     * Puts the synthesised index's manifest back and deletes the publish phase's files, if a phase
     * ran (or was killed) since.
     */
    private static void restoreAfterPublishing(Path storage) throws Exception {
        Path saved = storage.resolve(SYNTHESISED_MANIFEST);
        if (!Files.exists(saved)) {
            return;
        }
        atomicWrite(storage.resolve("faiss/manifest.json"), Files.readAllBytes(saved));
        Path live = storage.resolve("faiss/live");
        if (Files.isDirectory(live)) {
            try (var files = Files.list(live)) {
                for (Path file : files.toList()) {
                    Files.delete(file);
                }
            }
            Files.delete(live);
        }
        Files.delete(saved);
    }

    private static final Duration PUBLISH_EVERY = Duration.ofSeconds(2);

    /** Vectors of one flat shard under the default size limit, by dimension. */
    private static final Map<Integer, Long> CAPACITY =
            new java.util.concurrent.ConcurrentHashMap<>();

    private static long capacity(int dimension) {
        return ShardSizeModel.calibrate(
                        new FaissVectorIndexes(
                                new ShardProperties(
                                        DataSize.ofMegabytes(45),
                                        0,
                                        "IDMap,Flat",
                                        Metric.INNER_PRODUCT,
                                        1)),
                        "IDMap,Flat",
                        dimension,
                        Metric.INNER_PRODUCT)
                .capacity(MAX_SHARD_BYTES);
    }

    private static void publish(
            Path storage,
            Map<String, Map<String, Object>> models,
            Manifest sealed,
            java.util.concurrent.atomic.AtomicBoolean stop,
            AtomicLong published)
            throws Exception {
        List<Manifest.Entry> liveShards = new ArrayList<>();
        List<Manifest.Entry> previousSegments = List.of();
        for (int round = 1; !stop.get(); round++) {
            long next = System.nanoTime() + PUBLISH_EVERY.toNanos();
            List<String> roundIds = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                roundIds.add("live-" + round + "-" + i);
            }
            List<Manifest.Entry> segments = new ArrayList<>();
            for (Map.Entry<String, Map<String, Object>> model : models.entrySet()) {
                segments.addAll(
                        synthesise(
                                storage,
                                model.getKey(),
                                model.getValue(),
                                roundIds,
                                "faiss/live/" + model.getKey() + "_segment_" + round + "_",
                                round * 31L + model.getKey().hashCode()));
            }
            // Seals the previous round's segments: a shard with their bytes under another name.
            for (Manifest.Entry segment : previousSegments) {
                String file = segment.file().replace("_segment_", "_shard_");
                String idsFile = segment.idsFile().replace("_segment_", "_shard_");
                Files.copy(storage.resolve(segment.file()), storage.resolve(file));
                Files.copy(storage.resolve(segment.idsFile()), storage.resolve(idsFile));
                liveShards.add(
                        new Manifest.Entry(
                                segment.type(),
                                file,
                                segment.vectors(),
                                segment.bytes(),
                                segment.sha256(),
                                segment.dimension(),
                                segment.metric(),
                                segment.factory(),
                                segment.modelId(),
                                segment.modelSha256(),
                                segment.minId(),
                                segment.maxId(),
                                idsFile));
            }
            List<Manifest.Entry> shards = new ArrayList<>(sealed.shards());
            shards.addAll(liveShards);
            atomicWrite(
                    storage.resolve("faiss/manifest.json"),
                    JSON.writeValueAsBytes(
                            new Manifest(
                                    Manifest.FORMAT_VERSION,
                                    Instant.now(),
                                    shards,
                                    segments,
                                    false)));
            published.incrementAndGet();
            for (Manifest.Entry segment : previousSegments) {
                Files.delete(storage.resolve(segment.file()));
                Files.delete(storage.resolve(segment.idsFile()));
            }
            previousSegments = segments;
            long wait = next - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000);
            }
        }
    }

    /** As storage writes objects: the new bytes replace the old in one step. */
    private static void atomicWrite(Path file, byte[] bytes) throws Exception {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(temp, bytes);
        Files.move(
                temp,
                file,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Map<String, Object>> models(
            HttpClient http, String base, byte[] jpeg) throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create(base + "/embed"))
                                .header("Content-Type", "image/jpeg")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(jpeg))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "/embed failed: " + response.statusCode() + " " + response.body());
        }
        return (Map<String, Map<String, Object>>)
                JSON.readValue(response.body(), Map.class).get("vectors");
    }

    private static List<Manifest.Entry> synthesise(
            Path storage, String type, Map<String, Object> model, List<String> ids)
            throws Exception {
        return synthesise(storage, type, model, ids, "faiss/" + type + "_shard_", type.hashCode());
    }

    /**
     * Unit vectors for {@code ids} in flat shards of the default size limit named {@code
     * namePrefix} + a three-digit number, with their id files; their manifest entries.
     */
    private static List<Manifest.Entry> synthesise(
            Path storage,
            String type,
            Map<String, Object> model,
            List<String> ids,
            String namePrefix,
            long seed)
            throws Exception {
        int dimension = ((Number) model.get("dimension")).intValue();
        long capacity = CAPACITY.computeIfAbsent(dimension, SearchBenchmark::capacity);
        Random random = new Random(seed);
        List<Manifest.Entry> entries = new ArrayList<>();
        Files.createDirectories(storage.resolve("faiss"));
        for (int from = 0, shard = 1; from < ids.size(); from += capacity, shard++) {
            int count = (int) Math.min(capacity, ids.size() - from);
            float[] vectors = new float[count * dimension];
            long[] faissIds = new long[count];
            List<IdFile.Entry> idEntries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                double norm = 0;
                for (int j = 0; j < dimension; j++) {
                    float value = (float) random.nextGaussian();
                    vectors[i * dimension + j] = value;
                    norm += value * value;
                }
                for (int j = 0; j < dimension; j++) {
                    vectors[i * dimension + j] /= (float) Math.sqrt(norm);
                }
                String id = ids.get(from + i);
                faissIds[i] = FaissIds.of(id);
                idEntries.add(new IdFile.Entry(faissIds[i], id));
            }
            byte[] data;
            try (FaissIndex index =
                    FaissIndex.create(dimension, "IDMap,Flat", Metric.INNER_PRODUCT)) {
                index.addWithIds(vectors, faissIds);
                data = index.toBytes();
            }
            String name = String.format(Locale.ROOT, "%s%03d", namePrefix, shard);
            Files.write(storage.resolve(name + ".faiss"), data);
            Files.write(storage.resolve(name + ".ids.tsv"), IdFile.write(idEntries));
            entries.add(
                    new Manifest.Entry(
                            type,
                            name + ".faiss",
                            count,
                            data.length,
                            HandBuiltIndex.sha256(data),
                            dimension,
                            "INNER_PRODUCT",
                            "IDMap,Flat",
                            (String) model.get("modelId"),
                            (String) model.get("modelSha256"),
                            Arrays.stream(faissIds).min().orElse(0),
                            Arrays.stream(faissIds).max().orElse(0),
                            name + ".ids.tsv"));
        }
        return entries;
    }

    /**
     * One level: {@code clients} clients searching for the warm-up and then {@code seconds}; with
     * {@code served} non-null, each answer's manifest time is collected there.
     */
    private static void run(
            HttpClient http,
            String base,
            long pid,
            String mode,
            String label,
            int clients,
            int seconds,
            List<String> ids,
            byte[] jpeg,
            java.util.Set<String> served)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicLong failed = new AtomicLong();
        long warmEnd = System.nanoTime() + Duration.ofSeconds(WARMUP_SECONDS).toNanos();
        long end = warmEnd + Duration.ofSeconds(seconds).toNanos();
        List<Future<List<Long>>> results = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            results.add(
                    pool.submit(
                            () -> {
                                Random random = new Random(client);
                                List<Long> latencies = new ArrayList<>();
                                while (System.nanoTime() < end) {
                                    HttpRequest request =
                                            mode.equals("id")
                                                    ? searchById(
                                                            base,
                                                            ids.get(random.nextInt(ids.size())))
                                                    : HttpRequest.newBuilder(
                                                                    URI.create(
                                                                            base + "/search?k=10"))
                                                            .header("Content-Type", "image/jpeg")
                                                            .POST(
                                                                    HttpRequest.BodyPublishers
                                                                            .ofByteArray(jpeg))
                                                            .build();
                                    long t0 = System.nanoTime();
                                    int status;
                                    try {
                                        if (served == null) {
                                            status =
                                                    http.send(
                                                                    request,
                                                                    HttpResponse.BodyHandlers
                                                                            .discarding())
                                                            .statusCode();
                                        } else {
                                            HttpResponse<String> answer =
                                                    http.send(
                                                            request,
                                                            HttpResponse.BodyHandlers.ofString());
                                            status = answer.statusCode();
                                            if (status == 200) {
                                                served.add(
                                                        String.valueOf(
                                                                JSON.readTree(answer.body())
                                                                        .path("manifest")
                                                                        .path("publishedAt")
                                                                        .asString()));
                                            }
                                        }
                                    } catch (Exception ex) {
                                        status = -1;
                                    }
                                    long t1 = System.nanoTime();
                                    if (t0 >= warmEnd) {
                                        if (status == 200) {
                                            latencies.add(t1 - t0);
                                        } else {
                                            failed.incrementAndGet();
                                        }
                                    }
                                }
                                return latencies;
                            }));
        }
        // The service's CPU over the measured part only: the warm-up's includes JIT compiling.
        Thread.sleep(Math.max(0, (warmEnd - System.nanoTime()) / 1_000_000));
        long cpuBefore = cpuMillis(pid);
        List<Long> all = new ArrayList<>();
        for (Future<List<Long>> result : results) {
            all.addAll(result.get());
        }
        pool.shutdown();
        double cpuPerQuery = (cpuMillis(pid) - cpuBefore) / (double) Math.max(1, all.size());
        all.sort(null);
        double p50 = all.isEmpty() ? Double.NaN : all.get(all.size() / 2) / 1e6;
        double p99 =
                all.isEmpty()
                        ? Double.NaN
                        : all.get(Math.min(all.size() - 1, (int) (all.size() * 0.99))) / 1e6;
        System.out.printf(
                Locale.ROOT,
                "| %s | %d | %.0f | %.1f | %.1f | %d | %.1f | %s |%n",
                label,
                clients,
                all.size() / (double) seconds,
                p50,
                p99,
                failed.get(),
                cpuPerQuery,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    /** One level driven by wrk: the warm-up, then the measured run, printed like {@link #run}. */
    private static void runWrk(
            WrkLevel wrk, String base, long pid, String mode, int clients, int seconds)
            throws Exception {
        if (WARMUP_SECONDS > 0) {
            wrk.run(base, mode, clients, WARMUP_SECONDS);
        }
        long cpuBefore = cpuMillis(pid);
        WrkLevel.Result result = wrk.run(base, mode, clients, seconds);
        double cpuPerQuery = (cpuMillis(pid) - cpuBefore) / (double) Math.max(1, result.requests());
        System.out.printf(
                Locale.ROOT,
                "| %s | %d | %.0f | %.1f | %.1f | %d | %.1f | %s |%n",
                mode,
                clients,
                result.queriesPerSecond(),
                result.p50Ms(),
                result.p99Ms(),
                result.failed(),
                cpuPerQuery,
                Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
    }

    private static HttpRequest searchById(String base, String id) {
        String body = "{\"query\":{\"id\":\"" + id + "\"},\"k\":10}";
        return HttpRequest.newBuilder(URI.create(base + "/search"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
    }

    /** User and system CPU of the process, from /proc (clock ticks of 10 ms). */
    private static long cpuMillis(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10;
    }

    private static long rss(long pid) throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }
}
