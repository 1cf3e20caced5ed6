package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testsupabase.BucketIndex;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * The whole service on Supabase: the catalogue from the images table through PostgREST, images from
 * a bucket, shards, manifest and progress into another bucket, with real FAISS and ONNX Runtime.
 * One build runs fault-free; a second, on its own prefix, runs while 10% of all Storage calls fail
 * transiently (5xx, 429 with Retry-After, resets before and after the server acted, slow answers,
 * TUS PATCHes cut mid-body). The faulty build must store exactly the same vectors, every id exactly
 * once. A build whose storage stays down past {@code fsb.storage.outage-timeout} waits for it
 * ({@code WAITING}), then fails with Supabase's own status, leaving storage consistent for the next
 * job.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SupabaseBuildTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 160;
    private static final String[] TYPES = {"color", "structure", "combined"};
    private static final SupabaseEmulator EMULATOR = startEmulator();

    @LocalServerPort int port;

    private final HttpClient http = HttpClient.newHttpClient();

    @DynamicPropertySource
    static void supabase(DynamicPropertyRegistry registry) {
        registry.add("fsb.supabase.url", EMULATOR::url);
        registry.add("fsb.supabase.key", () -> SupabaseEmulator.SERVICE_KEY);
        registry.add("fsb.supabase.read-timeout", () -> "1s");
        registry.add("fsb.supabase.retry.max-attempts", () -> "10");
        registry.add("fsb.supabase.retry.initial-backoff", () -> "5ms");
        registry.add("fsb.supabase.retry.max-backoff", () -> "100ms");
        // An outage outlasting the calls' own retries is waited out this long (shortened for the
        // test).
        registry.add("fsb.storage.outage-timeout", () -> "3s");
        registry.add("fsb.storage.outage-initial-backoff", () -> "100ms");
        registry.add("fsb.storage.outage-max-backoff", () -> "500ms");
        registry.add("fsb.storage.type", () -> "supabase");
        registry.add("fsb.storage.supabase.bucket", () -> "faiss-shards");
        registry.add("fsb.storage.supabase.create-bucket", () -> "true");
        // Small enough that sealed colour and combined shards go through TUS in several PATCHes.
        registry.add("fsb.storage.supabase.resumable-threshold", () -> "48KB");
        registry.add("fsb.storage.supabase.resumable-chunk-size", () -> "32KB");
        registry.add("fsb.storage.supabase.list-page-size", () -> "5");
        registry.add("fsb.catalog.type", () -> "supabase");
        registry.add("fsb.catalog.location", () -> "images");
        registry.add("fsb.catalog.supabase.page-size", () -> "50");
        registry.add("fsb.shard.max-vectors", () -> "40");
        registry.add("fsb.job.batch-size", () -> "16");
        registry.add(
                "management.endpoints.web.exposure.include", () -> "health,env,configprops,jobs");
    }

    @AfterAll
    static void stopEmulator() {
        EMULATOR.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void buildWithTenPercentOfStorageCallsFailingStoresExactlyTheVectorsOfAFaultFreeBuild()
            throws Exception {
        Map<String, Object> clean = awaitFinished(post("{\"prefix\":\"clean\"}"));
        assertThat(clean.get("state")).as("fault-free job %s", clean).isEqualTo("SUCCEEDED");
        long callsBefore = EMULATOR.storageCalls();

        EMULATOR.failRandomly(
                0.10,
                20261201L,
                List.of(
                        Fault.INTERNAL_ERROR,
                        Fault.UNAVAILABLE,
                        Fault.TOO_MANY_REQUESTS,
                        Fault.RESET_BEFORE,
                        Fault.RESET_AFTER,
                        Fault.SLOW,
                        Fault.PARTIAL_PATCH));
        Map<String, Object> faulty;
        try {
            faulty = awaitFinished(post("{\"prefix\":\"faulty\"}"));
        } finally {
            EMULATOR.stopFaults();
        }
        assertThat(faulty.get("state")).as("faulty job %s", faulty).isEqualTo("SUCCEEDED");
        long faultyCalls = EMULATOR.storageCalls() - callsBefore;
        System.out.printf(
                "Faulty build: %d storage calls, %d faults injected (%s)%n",
                faultyCalls,
                EMULATOR.injectedTotal(),
                java.util.Arrays.stream(Fault.values())
                        .map(fault -> fault + "=" + EMULATOR.injected(fault))
                        .toList());
        assertThat(EMULATOR.injectedTotal())
                .as("faults injected in %s storage calls", faultyCalls)
                .isGreaterThanOrEqualTo(faultyCalls / 20);
        assertThat(EMULATOR.injected(Fault.PARTIAL_PATCH) + EMULATOR.injected(Fault.RESET_AFTER))
                .isPositive();

        Map<String, byte[]> bucket = EMULATOR.objects("faiss-shards");
        for (String type : TYPES) {
            BucketIndex.Contents expected = BucketIndex.read(bucket, "clean", type);
            BucketIndex.Contents actual = BucketIndex.read(bucket, "faulty", type);
            assertThat(expected.vectors()).as("clean %s", type).hasSize(IMAGES - 2);
            assertThat(actual.catalogIds())
                    .as("faulty %s", type)
                    .hasSize(IMAGES - 2)
                    .doesNotHaveDuplicates();
            assertThat(actual.vectors().keySet())
                    .containsExactlyElementsOf(expected.vectors().keySet());
            expected.vectors()
                    .forEach(
                            (id, vector) ->
                                    assertThat(actual.vectors().get(id))
                                            .as("%s vector of %s", type, id)
                                            .containsExactly(vector));
            assertThat(actual.shards()).isEqualTo(expected.shards()).isPositive();
        }
        Map<String, Object> progress =
                JSON.readValue(bucket.get("faulty/progress.json"), Map.class);
        assertThat(
                        dev.faissshard.testimages.StoredIndex.failures(
                                        key -> bucket.get("faulty/" + key))
                                .keySet())
                .containsExactlyInAnyOrder("7", "99");
        assertThat(bucket.keySet())
                .as("no leftovers of interrupted uploads")
                .noneMatch(
                        key -> key.startsWith("faulty/faiss/open/") && !referenced(progress, key));
    }

    @Test
    @SuppressWarnings("unchecked")
    void anOutageLongerThanTheOutageTimeoutFailsTheJobCleanlyAndTheNextJobCompletesTheIndex()
            throws Exception {
        // Storage starts failing for good in the middle of the build: after 25 writes of this
        // index.
        EMULATOR.failAfter(
                call ->
                        call.path().contains("/faiss-shards/broken/")
                                || call.path().startsWith("/upload/"),
                25,
                Fault.INTERNAL_ERROR);
        Map<String, Object> failed;
        Map<String, Object> waiting;
        try {
            String location = post("{\"prefix\":\"broken\",\"indexTypes\":[\"color\"]}");
            waiting =
                    awaitView(
                            location,
                            view ->
                                    "WAITING".equals(view.get("state"))
                                            || "FAILED".equals(view.get("state")));
            failed = awaitFinished(location);
        } finally {
            EMULATOR.stopFaults();
        }
        assertThat(waiting.get("state")).as("job %s", waiting).isEqualTo("WAITING");
        assertThat(waiting.get("waiting")).asString().contains("reason=storage_unavailable");
        assertThat(failed.get("state")).as("job %s", failed).isEqualTo("FAILED");
        assertThat(failed.get("failureCode")).isEqualTo("storage_unavailable");
        assertThat(failed.get("waiting")).isNull();
        assertThat(String.valueOf(failed.get("lastError"))).contains("fsb.storage.outage-timeout");
        // Supabase's status and error code, not its message: a job's last error never quotes a
        // remote body.
        assertThat(String.valueOf(failed.get("lastError")))
                .contains("Supabase Storage answered HTTP 500 InternalError")
                .doesNotContain("Internal Server Error")
                .doesNotContain(SupabaseEmulator.SERVICE_KEY);

        // Whatever progress.json names is stored, with the recorded checksums, and the manifest
        // reads back whole.
        Map<String, byte[]> bucket = EMULATOR.objects("faiss-shards");
        assertProgressDescribesStorage(bucket, "broken");
        BucketIndex.Contents partial = BucketIndex.read(bucket, "broken", "color");
        assertThat(partial.catalogIds())
                .doesNotHaveDuplicates()
                .isNotEmpty()
                .hasSizeLessThan(IMAGES - 2);

        Map<String, Object> next =
                awaitFinished(post("{\"prefix\":\"broken\",\"indexTypes\":[\"color\"]}"));
        assertThat(next.get("state")).as("next job %s", next).isEqualTo("SUCCEEDED");
        BucketIndex.Contents complete =
                BucketIndex.read(EMULATOR.objects("faiss-shards"), "broken", "color");
        assertThat(complete.catalogIds()).hasSize(IMAGES - 2).doesNotHaveDuplicates();
        assertThat(((Map<String, Object>) next.get("counts")).get("embedded"))
                .as(
                        "the next job resumes exactly: it embeds only what the failed one did not commit")
                .isEqualTo(IMAGES - 2 - partial.catalogIds().size());
        // The same vectors as a fault-free build of the same catalogue.
        Map<String, Object> reference =
                awaitFinished(post("{\"prefix\":\"reference\",\"indexTypes\":[\"color\"]}"));
        assertThat(reference.get("state")).isEqualTo("SUCCEEDED");
        BucketIndex.Contents expected =
                BucketIndex.read(EMULATOR.objects("faiss-shards"), "reference", "color");
        assertThat(complete.vectors().keySet())
                .containsExactlyElementsOf(expected.vectors().keySet());
        expected.vectors()
                .forEach(
                        (id, vector) ->
                                assertThat(complete.vectors().get(id))
                                        .as("color vector of %s", id)
                                        .containsExactly(vector));
    }

    @Test
    void theKeyIsNeverShownByActuatorOrJobViews() throws Exception {
        for (String path :
                List.of("/actuator/env", "/actuator/configprops", "/actuator/health", "/jobs")) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body())
                    .as(path)
                    .doesNotContain(SupabaseEmulator.SERVICE_KEY)
                    .doesNotContain(SupabaseEmulator.SERVICE_KEY.substring(0, 40));
        }
        assertThat(get("/actuator/health").body())
                .contains("supabase:" + EMULATOR.url() + "/storage/v1/faiss-shards");
    }

    @SuppressWarnings("unchecked")
    private static void assertProgressDescribesStorage(Map<String, byte[]> bucket, String prefix) {
        Map<String, Object> progress =
                JSON.readValue(bucket.get(prefix + "/progress.json"), Map.class);
        int named = 0;
        for (Object index : ((Map<String, Object>) progress.get("indexes")).values()) {
            for (String section : List.of("sealedShards", "openSegments")) {
                for (Map<String, Object> record :
                        (List<Map<String, Object>>) ((Map<String, Object>) index).get(section)) {
                    byte[] data = bucket.get(prefix + "/" + record.get("file"));
                    assertThat(data)
                            .as("%s named by progress.json", record.get("file"))
                            .isNotNull();
                    assertThat(java.util.HexFormat.of().formatHex(sha256(data)))
                            .isEqualTo(record.get("sha256"));
                    assertThat(bucket).containsKey(prefix + "/" + record.get("idsFile"));
                    named++;
                }
            }
        }
        assertThat(named).as("progress.json names stored objects").isPositive();
    }

    private static byte[] sha256(byte[] data) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    @SuppressWarnings("unchecked")
    private static boolean referenced(Map<String, Object> progress, String key) {
        for (Object index : ((Map<String, Object>) progress.get("indexes")).values()) {
            for (Map<String, Object> segment :
                    (List<Map<String, Object>>) ((Map<String, Object>) index).get("openSegments")) {
                if (key.equals("faulty/" + segment.get("file"))
                        || key.equals("faulty/" + segment.get("idsFile"))) {
                    return true;
                }
            }
        }
        return false;
    }

    private static SupabaseEmulator startEmulator() {
        try {
            SupabaseEmulator emulator = new SupabaseEmulator();
            emulator.createBucket("products", false, null);
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 1; i <= IMAGES; i++) {
                // Two rows name objects that do not exist: lasting failures, recorded alike by both
                // builds.
                if (i != 7 && i != 99) {
                    byte[] jpeg =
                            ProductImageGenerator.jpeg(
                                    ProductImageGenerator.render(
                                            ProductImageGenerator.catalogueSpec(i), 96),
                                    0.85f);
                    emulator.putObject("products", "catalogue/" + i + ".jpg", jpeg, "image/jpeg");
                }
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", (long) i);
                row.put("image_url", "supabase://products/catalogue/" + i + ".jpg");
                rows.add(row);
            }
            emulator.table("images", rows);
            return emulator;
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private String post(String body) throws Exception {
        HttpResponse<String> response =
                http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return response.headers().firstValue("Location").orElseThrow();
    }

    private Map<String, Object> awaitFinished(String location) throws Exception {
        return awaitView(
                location,
                view -> List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(view.get("state")));
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> awaitView(String location, Predicate<Map<String, Object>> condition)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Map<String, Object> view = Map.of();
        while (System.nanoTime() < deadline) {
            view = JSON.readValue(get(location).body(), Map.class);
            if (condition.test(view)) {
                return view;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("condition not reached in time; last view " + view);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
