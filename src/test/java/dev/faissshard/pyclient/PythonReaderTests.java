package dev.faissshard.pyclient;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Python reader ({@code clients/python}) against indexes this service built: sharded by a small
 * size limit, with string ids, an open segment left by a paused-then-cancelled build, a partitioned
 * build of two partitions and one of which only partition 0 exists, read from the local folder and
 * through the Supabase Storage emulator. The expectations (every stored vector, read back through
 * the project's own FAISS binding, and an exhaustive brute-force ranking of each query over their
 * union) are computed here in Java and handed to the Python unittest suite, which must pass whole
 * under Debian's {@code python3-faiss}. The README's Python snippet runs exactly as written against
 * the bundled sample catalogue's index.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class PythonReaderTests {

    static final String PYTHON = System.getProperty("python.debian", "/usr/bin/python3");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] TYPES = {"color", "structure", "combined"};
    private static final String BUCKET = "faiss-shards";
    private static final int SHOP_FAST = 80;
    private static final int SHOP_SLOW = 20;
    private static final Path CLIENT = Path.of("clients/python").toAbsolutePath();

    private static Path root;
    private static Path storage;
    private static ImageServer images;
    private static SupabaseEmulator emulator;
    private static Path fixture;

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        root = Files.createTempDirectory("python-reader");
        storage = root.resolve("storage");
        images = new ImageServer();
        for (int i = 0; i < SHOP_FAST + SHOP_SLOW; i++) {
            byte[] jpeg =
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 96),
                            0.85f);
            images.image("/fast/" + i + ".jpg", jpeg);
            images.put(
                    "/slow/" + i + ".jpg", new ImageServer.Resource(200, "image/jpeg", jpeg, 1500));
        }
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add(
                "fsb.catalog.location",
                () -> Path.of("samples/catalog.csv").toAbsolutePath().toString());
        registry.add(
                "fsb.catalog.allowed-roots",
                () -> root + "," + Path.of("samples").toAbsolutePath());
        // The smallest limit the service accepts: a few dozen vectors per shard, so every type has
        // several.
        registry.add("fsb.shard.max-bytes", () -> "64KB");
        registry.add("fsb.job.batch-size", () -> "6");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
    }

    @AfterAll
    static void stop() throws IOException {
        images.close();
        if (emulator != null) {
            emulator.close();
        }
        // Symbolic links (the checkout's clients/python) are removed, never followed.
        FileSystemUtils.deleteRecursively(root);
    }

    @Test
    void pythonReaderSuitePassesAgainstIndexesTheServiceBuilt() throws Exception {
        Path expected = fixture();
        String output =
                run(
                        new ProcessBuilder(
                                        PYTHON,
                                        "-m",
                                        "unittest",
                                        "discover",
                                        "-v",
                                        "-s",
                                        "tests",
                                        "-t",
                                        ".")
                                .directory(CLIENT.toFile()),
                        Map.of("FSB_READER_FIXTURE", expected.toString()));
        System.out.println(output);
        Matcher ran = Pattern.compile("Ran (\\d+) tests").matcher(output);
        assertThat(ran.find()).as("unittest output:%n%s", output).isTrue();
        // Every test module must have been found and run: a module that fails to import counts as
        // one error.
        assertThat(Integer.parseInt(ran.group(1))).isGreaterThanOrEqualTo(48);
        assertThat(output)
                .contains("\nOK")
                .doesNotContain("skipped")
                .doesNotContain("expected failure");
    }

    @Test
    void readmePythonSnippetRunsAsWrittenAgainstTheSampleCatalogueIndex() throws Exception {
        fixture();
        String readme = Files.readString(Path.of("README.md"));
        Matcher snippet =
                Pattern.compile(
                                "<!-- python-snippet:start -->\\s*```python\\n(.*?)```\\s*<!-- python-snippet:end -->",
                                Pattern.DOTALL)
                        .matcher(readme);
        assertThat(snippet.find()).as("README has the marked Python snippet").isTrue();
        // The snippet runs from a checkout after scripts/quickstart.sh: clients/python beside
        // data/storage.
        Path checkout = Files.createDirectories(root.resolve("checkout"));
        Files.createDirectories(checkout.resolve("clients"));
        Files.createSymbolicLink(checkout.resolve("clients/python"), CLIENT);
        Files.createDirectories(checkout.resolve("data"));
        Files.createSymbolicLink(checkout.resolve("data/storage"), storage.resolve("quickstart"));
        Path script = checkout.resolve("snippet.py");
        Files.writeString(script, snippet.group(1));

        String output =
                run(
                        new ProcessBuilder(PYTHON, script.toString()).directory(checkout.toFile()),
                        Map.of());

        List<String> hits =
                output.lines().filter(line -> line.matches("\\S+ -?[0-9.]+ \\S+\\.faiss")).toList();
        List<Map.Entry<String, Double>> ranking =
                ranking(StoredIndex.vectors(storage.resolve("quickstart"), "combined"), "1");
        assertThat(hits).as("snippet output:%n%s", output).hasSize(5);
        for (int rank = 0; rank < 5; rank++) {
            String[] fields = hits.get(rank).split(" ");
            // Rank 0 of the ranking is "1" itself, which the snippet's search by id leaves out.
            assertThat(Double.parseDouble(fields[1]))
                    .as("score at rank %d", rank)
                    .isCloseTo(
                            ranking.get(rank + 1).getValue(),
                            org.assertj.core.data.Offset.offset(1e-4));
            assertThat(fields[0])
                    .as("id at rank %d", rank)
                    .isEqualTo(ranking.get(rank + 1).getKey());
        }
        assertThat(output).contains("complete:");
    }

    /** Builds every index once and writes what the Python suite must find in them. */
    private synchronized Path fixture() throws Exception {
        if (fixture != null) {
            return fixture;
        }
        Map<String, Object> indexes = new LinkedHashMap<>();
        buildShopWithAnOpenSegment();
        indexes.put(
                "shop",
                expectations(
                        List.of(storage.resolve("shop")),
                        List.of("sku-0003", "sku-0042", "sku-0077")));

        Path split = catalogue("split.csv", "fast", 40, "split-%03d");
        for (int partition = 0; partition < 2; partition++) {
            assertSucceeded(
                    build(
                            "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"split\",\"partition\":{\"index\":%d,\"count\":2}}"
                                    .formatted(split, partition)));
        }
        indexes.put(
                "split",
                expectations(
                        List.of(
                                storage.resolve("split/part-0-of-2"),
                                storage.resolve("split/part-1-of-2")),
                        List.of("split-001", "split-020", "split-039")));

        Path half = catalogue("half.csv", "fast", 30, "half-%03d");
        assertSucceeded(
                build(
                        "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"half\",\"partition\":{\"index\":0,\"count\":2}}"
                                .formatted(half)));
        indexes.put("half", expectations(List.of(storage.resolve("half/part-0-of-2")), List.of()));

        assertSucceeded(build("{\"prefix\":\"quickstart\"}"));

        emulator = new SupabaseEmulator();
        emulator.createBucket(BUCKET, false, null);
        try (Stream<Path> files = Files.walk(storage)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String key = storage.relativize(file).toString();
                if (!key.startsWith("quickstart/")) {
                    emulator.putObject(
                            BUCKET, key, Files.readAllBytes(file), "application/octet-stream");
                }
            }
        }
        // A copy of "shop" whose first colour shard lost one byte's worth of integrity.
        for (Map.Entry<String, byte[]> object : emulator.objects(BUCKET).entrySet()) {
            if (object.getKey().startsWith("shop/")) {
                byte[] data = object.getValue().clone();
                if (object.getKey().equals("shop/faiss/color_shard_001.faiss")) {
                    data[data.length - 5] ^= 0x01;
                }
                emulator.putObject(
                        BUCKET,
                        "tampered/" + object.getKey().substring("shop/".length()),
                        data,
                        "application/octet-stream");
            }
        }

        Map<String, Object> document = new LinkedHashMap<>();
        document.put("local", storage.toString());
        document.put(
                "supabase",
                Map.of(
                        "url",
                        emulator.url(),
                        "key",
                        SupabaseEmulator.SERVICE_KEY,
                        "anonKey",
                        SupabaseEmulator.ANON_KEY,
                        "bucket",
                        BUCKET));
        document.put("tamperedPrefix", "tampered");
        document.put("tamperedShard", "faiss/color_shard_001.faiss");
        document.put("indexes", indexes);
        fixture = root.resolve("expected.json");
        Files.write(fixture, JSON.writeValueAsBytes(document));
        return fixture;
    }

    /**
     * 100 string-id products, the last 20 of them slow to fetch: the build is paused once the fast
     * ones are in, then cancelled, so its manifest keeps the open segments of every type's unsealed
     * shard.
     */
    @SuppressWarnings("unchecked")
    private void buildShopWithAnOpenSegment() throws Exception {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < SHOP_FAST + SHOP_SLOW; i++) {
            String kind = i < SHOP_FAST ? "fast" : "slow";
            csv.append(String.format(Locale.ROOT, "sku-%04d", i))
                    .append(',')
                    .append(images.url("/" + kind + "/" + i + ".jpg"))
                    .append('\n');
        }
        Path catalogue = Files.writeString(root.resolve("shop.csv"), csv);
        String location =
                build(
                        "{\"catalog\":{\"location\":\"%s\"},\"prefix\":\"shop\"}"
                                .formatted(catalogue));
        awaitView(
                location,
                view ->
                        ((Number) ((Map<String, Object>) view.get("counts")).get("embedded"))
                                                .intValue()
                                        >= SHOP_FAST
                                || finished(view));
        assertThat(post(location + "/pause").statusCode()).isIn(200, 202);
        Map<String, Object> paused =
                awaitView(location, view -> "PAUSED".equals(view.get("state")) || finished(view));
        assertThat(paused.get("state")).as("job %s", paused).isEqualTo("PAUSED");
        assertThat(post(location + "/cancel").statusCode()).isIn(200, 202);
        Map<String, Object> cancelled = awaitView(location, PythonReaderTests::finished);
        assertThat(cancelled.get("state")).isEqualTo("CANCELLED");
        Map<String, Object> manifest = StoredIndex.manifest(storage.resolve("shop"));
        for (String type : TYPES) {
            assertThat(count(manifest, "shards", type)).as("sealed %s shards", type).isPositive();
            assertThat(count(manifest, "openSegments", type))
                    .as("open %s segments", type)
                    .isPositive();
        }
        assertThat(count(manifest, "shards", "color"))
                .as("sealed color shards")
                .isGreaterThanOrEqualTo(2);
    }

    @SuppressWarnings("unchecked")
    private static long count(Map<String, Object> manifest, String section, String type) {
        return ((List<Map<String, Object>>) manifest.get(section))
                .stream().filter(e -> type.equals(e.get("type"))).count();
    }

    /**
     * Per type: how many vectors the index holds, and for each query (the stored vector of a
     * catalogue id, and one seeded random vector) the exhaustive ranking over every stored vector
     * of every partition, best first.
     */
    private static Map<String, Object> expectations(List<Path> partitions, List<String> queryIds)
            throws IOException {
        Map<String, Object> types = new LinkedHashMap<>();
        for (String type : TYPES) {
            List<String> ids = new ArrayList<>();
            List<float[]> vectors = new ArrayList<>();
            int shards = 0;
            int segments = 0;
            for (Path partition : partitions) {
                StoredIndex.Vectors stored = StoredIndex.vectors(partition, type);
                StoredIndex.Contents contents = StoredIndex.read(partition, type);
                shards += contents.shards();
                segments += contents.segments();
                for (int i = 0; i < stored.catalogIds().size(); i++) {
                    ids.add(stored.catalogIds().get(i));
                    vectors.add(stored.row(i));
                }
            }
            List<Map<String, Object>> queries = new ArrayList<>();
            for (String id : queryIds) {
                queries.add(query(id, vectors.get(ids.indexOf(id)), ids, vectors));
            }
            float[] random = new float[vectors.get(0).length];
            SplittableRandom seeded = new SplittableRandom(type.hashCode());
            for (int i = 0; i < random.length; i++) {
                random[i] = (float) seeded.nextGaussian();
            }
            queries.add(query(null, random, ids, vectors));
            Map<String, Object> expected = new LinkedHashMap<>();
            expected.put("vectors", ids.size());
            expected.put("shards", shards);
            expected.put("segments", segments);
            expected.put("ids", ids);
            expected.put("queries", queries);
            types.put(type, expected);
        }
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("partitions", partitions.size());
        index.put("types", types);
        return index;
    }

    private static Map<String, Object> query(
            String id, float[] query, List<String> ids, List<float[]> vectors) {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("id", id);
        List<Float> values = new ArrayList<>(query.length);
        for (float value : query) {
            values.add(value);
        }
        expected.put("vector", values);
        expected.put(
                "ranking",
                ranking(query, ids, vectors).stream()
                        .map(e -> List.of(e.getKey(), e.getValue()))
                        .toList());
        return expected;
    }

    private static List<Map.Entry<String, Double>> ranking(
            StoredIndex.Vectors stored, String queryId) {
        List<String> ids = stored.catalogIds();
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            vectors.add(stored.row(i));
        }
        return ranking(vectors.get(ids.indexOf(queryId)), ids, vectors);
    }

    /** Inner products of {@code query} with every vector, in double precision, best first. */
    private static List<Map.Entry<String, Double>> ranking(
            float[] query, List<String> ids, List<float[]> vectors) {
        List<Map.Entry<String, Double>> scores = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            double dot = 0;
            float[] vector = vectors.get(i);
            for (int d = 0; d < query.length; d++) {
                dot += (double) query[d] * vector[d];
            }
            scores.add(Map.entry(ids.get(i), dot));
        }
        scores.sort(
                Map.Entry.<String, Double>comparingByValue(Comparator.reverseOrder())
                        .thenComparing(Map.Entry.comparingByKey()));
        return scores;
    }

    private static Path catalogue(String name, String kind, int count, String idFormat)
            throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < count; i++) {
            csv.append(String.format(Locale.ROOT, idFormat, i))
                    .append(',')
                    .append(images.url("/" + kind + "/" + i + ".jpg"))
                    .append('\n');
        }
        return Files.writeString(root.resolve(name), csv);
    }

    private static String run(ProcessBuilder builder, Map<String, String> environment)
            throws Exception {
        builder.environment().putAll(environment);
        builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
        Process process = builder.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(300, TimeUnit.SECONDS)).as("python finished").isTrue();
        assertThat(process.exitValue()).as("python exit code; output:%n%s", output).isZero();
        return output;
    }

    private String build(String body) throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(uri("/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private void assertSucceeded(String location) throws Exception {
        Map<String, Object> view = awaitView(location, PythonReaderTests::finished);
        assertThat(view.get("state")).as("job %s", view).isEqualTo("SUCCEEDED");
    }

    private HttpResponse<String> post(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> awaitView(String location, Predicate<Map<String, Object>> condition)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        Map<String, Object> view = Map.of();
        while (System.nanoTime() < deadline) {
            view =
                    JSON.readValue(
                            http.send(
                                            HttpRequest.newBuilder(uri(location)).build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .body(),
                            Map.class);
            if (condition.test(view)) {
                return view;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached in time; last view " + view);
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static boolean finished(Map<String, Object> view) {
        return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(view.get("state"));
    }
}
