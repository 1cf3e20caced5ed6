package dev.faissshard.dryrun;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /jobs} with {@code "dryRun": true}, against a store that records every write: it
 * answers 200 with what the job would do (rows done and to do, shards and bytes per type, time from
 * the rate of earlier jobs) and writes nothing, queues nothing; its request is validated as a real
 * job's; and its shard estimate matches what the real job then stores.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DryRunTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static Path root;
    private static Path catalogue;
    private static List<Path> samples;
    private static final List<String> WRITES = new CopyOnWriteArrayList<>();

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void configuration(DynamicPropertyRegistry registry) throws IOException {
        root = Files.createTempDirectory("dry-run");
        Path images = Path.of("samples/images").toAbsolutePath().toRealPath();
        try (var files = Files.list(images)) {
            samples = files.filter(f -> f.toString().endsWith(".jpg")).sorted().limit(3).toList();
        }
        catalogue =
                Files.write(
                        root.resolve("catalog.csv"),
                        List.of(
                                "id,image_url",
                                "a," + samples.get(0).toUri(),
                                "b," + samples.get(1).toUri(),
                                "gone," + images.resolve("gone.jpg").toUri()));
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.fetch.files.roots", images::toString);
        registry.add("fsb.job.prefix", () -> "shop");
    }

    @TestConfiguration
    static class RecordingStore {
        @Bean
        @Primary
        StorageClient recordingStorage() {
            return new Recording(new LocalStorageClient(root.resolve("storage")));
        }
    }

    @Test
    @Order(1)
    void aDryRunOfANewIndexCountsTheRowsAndHasNoRateYet() throws Exception {
        WRITES.clear();
        Map<?, ?> report = dryRun("{\"dryRun\":true,\"indexTypes\":[\"color\"]}");
        assertThat(report.get("dryRun")).isEqualTo(true);
        assertThat(report.get("prefix")).isEqualTo("shop");
        assertThat(report.get("catalogueRows")).isEqualTo(3);
        assertThat(report.get("alreadyDone")).isEqualTo(0);
        assertThat(report.get("toDo")).isEqualTo(3);
        assertThat(report.get("batches")).isEqualTo(1);
        Map<?, ?> color = type(report, "color");
        assertThat(color.get("vectorsNow")).isEqualTo(0);
        assertThat(color.get("vectorsAfter")).isEqualTo(3);
        // Three vectors fill no shard: they stay open across jobs, as segments.
        assertThat(color.get("shardsAfter")).isEqualTo(0);
        Map<?, ?> time = (Map<?, ?>) report.get("time");
        assertThat(time.get("rateSource")).isEqualTo("none");
        assertThat(time.get("seconds")).isNull();
        assertThat(((Number) ((Map<?, ?>) report.get("memory")).get("totalBytes")).longValue())
                .isPositive();

        assertThat(WRITES).as("writes of the dry run").isEmpty();
        assertThat(Files.exists(root.resolve("storage/shop"))).isFalse();
        assertThat(JSON.readValue(get("/jobs").body(), List.class)).as("no job queued").isEmpty();
    }

    @Test
    @Order(2)
    void theShardEstimateIsWhatTheJobThenStores() throws Exception {
        Map<?, ?> report = dryRun("{\"dryRun\":true,\"indexTypes\":[\"color\"]}");
        Map<?, ?> built = run("{\"indexTypes\":[\"color\"]}");
        Map<?, ?> stored = (Map<?, ?>) ((Map<?, ?>) built.get("indexes")).get("color");
        Map<?, ?> color = type(report, "color");
        // Two of the three images exist; the estimate assumes all three, so its bound is one
        // vector higher than the build.
        assertThat(stored.get("vectors")).isEqualTo(2);
        assertThat(stored.get("sealedShards")).isEqualTo(color.get("shardsAfter"));
        long perVector =
                (((Number) color.get("storedBytesAfter")).longValue()
                        - ((Number) stored.get("bytes")).longValue());
        assertThat(perVector).as("one vector's bytes in an IDMap,Flat shard").isPositive();
        long bytesOfThree = ((Number) color.get("storedBytesAfter")).longValue();
        assertThat(bytesOfThree - 3 * perVector)
                .as("the shard's fixed part, which the real one has too")
                .isEqualTo(((Number) stored.get("bytes")).longValue() - 2 * perVector);
        assertThat(((Number) built.get("uploadedBytes")).longValue())
                .isLessThanOrEqualTo(((Number) report.get("uploadedBytes")).longValue());
    }

    @Test
    @Order(3)
    void afterAJobTheDryRunKnowsWhatIsDoneAndTheIndexRate() throws Exception {
        Files.write(
                catalogue,
                List.of("c," + samples.get(2).toUri()),
                java.nio.file.StandardOpenOption.APPEND);
        Map<String, Long> before = tree();
        WRITES.clear();
        Map<?, ?> report = dryRun("{\"dryRun\":true,\"indexTypes\":[\"color\"]}");
        assertThat(report.get("catalogueRows")).isEqualTo(4);
        assertThat(report.get("alreadyDone")).isEqualTo(2);
        assertThat(report.get("skippedFailures")).as("gone: not_found is permanent").isEqualTo(1);
        assertThat(report.get("toDo")).isEqualTo(1);
        assertThat(type(report, "color").get("vectorsNow")).isEqualTo(2);
        assertThat(type(report, "color").get("vectorsAfter")).isEqualTo(3);
        Map<?, ?> time = (Map<?, ?>) report.get("time");
        assertThat(time.get("rateSource")).isEqualTo("index-history");
        assertThat(time.get("sampleJobs")).isEqualTo(1);
        assertThat(((Number) time.get("imagesPerSecond")).doubleValue()).isPositive();
        assertThat(time.get("seconds")).isNotNull();

        Map<?, ?> retry =
                dryRun(
                        "{\"dryRun\":true,\"indexTypes\":[\"color\"],\"retryReasons\":[\"not_found\"]}");
        assertThat(retry.get("toDo")).isEqualTo(2);
        assertThat(retry.get("retried")).isEqualTo(1);
        Map<?, ?> limited =
                dryRun(
                        "{\"dryRun\":true,\"indexTypes\":[\"color\"],\"limit\":1,\"retryFailures\":true}");
        assertThat(limited.get("toDo")).isEqualTo(1);
        assertThat(limited.get("beyondLimit")).isEqualTo(1);

        Map<?, ?> elsewhere = dryRun("{\"dryRun\":true,\"prefix\":\"other\"}");
        assertThat(((Map<?, ?>) elsewhere.get("time")).get("rateSource"))
                .isEqualTo("service-history");
        assertThat(elsewhere.get("toDo")).isEqualTo(4);

        assertThat(WRITES).as("writes of the dry runs").isEmpty();
        assertThat(tree()).isEqualTo(before);
        assertThat(JSON.readValue(get("/jobs").body(), List.class)).hasSize(1);
    }

    @Test
    @Order(4)
    void aDryRunIsValidatedAsARealJob() throws Exception {
        HttpResponse<String> bad = post("{\"dryRun\":true,\"batchSize\":0}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("invalid-request", "batchSize");
        HttpResponse<String> refused =
                post("{\"dryRun\":true,\"catalog\":{\"location\":\"/etc/passwd\"}}");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("catalog-location-refused");
        HttpResponse<String> reason = post("{\"dryRun\":true,\"retryReasons\":[\"whatever\"]}");
        assertThat(reason.statusCode()).isEqualTo(400);
        assertThat(reason.body()).doesNotContain("whatever");
        assertThat(post("{\"dryRun\":\"yes\"}").statusCode()).isEqualTo(400);
        assertThat(WRITES).isEmpty();
    }

    private static Map<?, ?> type(Map<?, ?> report, String type) {
        return (Map<?, ?>) ((Map<?, ?>) report.get("types")).get(type);
    }

    private Map<?, ?> dryRun(String body) throws Exception {
        HttpResponse<String> response = post(body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.headers().firstValue("Location")).isEmpty();
        return JSON.readValue(response.body(), Map.class);
    }

    private Map<?, ?> run(String body) throws Exception {
        HttpResponse<String> created = post(body);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(202);
        String id = (String) JSON.readValue(created.body(), Map.class).get("id");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        Map<?, ?> view = Map.of();
        while (!"SUCCEEDED".equals(view.get("state"))) {
            assertThat(System.nanoTime()).as("job still running: " + view).isLessThan(deadline);
            assertThat(view.get("state")).isNotIn("FAILED", "CANCELLED");
            Thread.sleep(50);
            view = JSON.readValue(get("/jobs/" + id).body(), Map.class);
        }
        // The job's tail (its history entry, then its lease let go) comes just after its state.
        while (!historyThenLeaseWritten()) {
            assertThat(System.nanoTime())
                    .as("job's lease still held: " + WRITES)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
        return view;
    }

    private static boolean historyThenLeaseWritten() {
        List<String> writes = List.copyOf(WRITES);
        int history = -1;
        for (int i = 0; i < writes.size(); i++) {
            if (writes.get(i).endsWith("faiss/job-history.json")) {
                history = i;
            }
        }
        return history >= 0
                && writes.subList(history + 1, writes.size()).stream()
                        .anyMatch(write -> write.contains("/faiss/lease/"));
    }

    private static Map<String, Long> tree() throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root.resolve("storage"))) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                files.put(
                        file.toString(),
                        Files.getLastModifiedTime(file).toMillis() ^ Files.size(file));
            }
        }
        return files;
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A store that notes the key of every create, replace and delete. */
    private record Recording(StorageClient store) implements StorageClient {

        @Override
        public void create(String key, byte[] data, String contentType) {
            WRITES.add("create " + key);
            store.create(key, data, contentType);
        }

        @Override
        public void replace(String key, byte[] data, String contentType) {
            WRITES.add("replace " + key);
            store.replace(key, data, contentType);
        }

        @Override
        public byte[] get(String key) {
            return store.get(key);
        }

        @Override
        public Optional<byte[]> find(String key) {
            return store.find(key);
        }

        @Override
        public List<StoredObject> list(String prefix) {
            return store.list(prefix);
        }

        @Override
        public void delete(String key) {
            WRITES.add("delete " + key);
            store.delete(key);
        }

        @Override
        public void ping() {
            store.ping();
        }

        @Override
        public OptionalLong maxObjectBytes() {
            return store.maxObjectBytes();
        }

        @Override
        public String description() {
            return store.description();
        }
    }
}
