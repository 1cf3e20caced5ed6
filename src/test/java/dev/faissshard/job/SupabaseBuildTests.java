package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.index.IdFile;
import dev.faissshard.testsupabase.BucketIndex;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
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
    private static final SupabaseEmulator EMULATOR = SupabaseBuildFixture.startEmulator(IMAGES);

    @LocalServerPort int port;

    private JobsClient jobs;

    @BeforeEach
    void connect() {
        jobs = new JobsClient(port, Duration.ofSeconds(120));
    }

    @DynamicPropertySource
    static void supabase(DynamicPropertyRegistry registry) {
        SupabaseBuildFixture.register(registry, EMULATOR);
        registry.add("fsb.supabase.retry.max-attempts", () -> "10");
        registry.add("fsb.supabase.retry.initial-backoff", () -> "5ms");
        registry.add("fsb.supabase.retry.max-backoff", () -> "100ms");
        // An outage outlasting the calls' own retries is waited out this long (shortened for the
        // test).
        registry.add("fsb.storage.outage-timeout", () -> "3s");
        registry.add("fsb.storage.outage-initial-backoff", () -> "100ms");
        registry.add("fsb.storage.outage-max-backoff", () -> "500ms");
        // Small enough that sealed colour and combined shards go through TUS in several PATCHes.
        registry.add("fsb.storage.supabase.resumable-threshold", () -> "48KB");
        registry.add("fsb.storage.supabase.resumable-chunk-size", () -> "32KB");
        registry.add("fsb.storage.supabase.list-page-size", () -> "5");
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
        Map<String, Object> clean = jobs.awaitFinished(jobs.post("{\"prefix\":\"clean\"}"));
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
            faulty = jobs.awaitFinished(jobs.post("{\"prefix\":\"faulty\"}"));
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

        Map<String, byte[]> bucket = EMULATOR.objects(SupabaseBuildFixture.BUCKET);
        SupabaseBuildFixture.assertSameIndex(bucket, "clean", "faulty", IMAGES - 2);
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
            String location = jobs.post("{\"prefix\":\"broken\",\"indexTypes\":[\"color\"]}");
            waiting =
                    jobs.awaitView(
                            location,
                            view ->
                                    "WAITING".equals(view.get("state"))
                                            || "FAILED".equals(view.get("state")));
            failed = jobs.awaitFinished(location);
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
        // The manifest may be a batch behind progress.json: storage can fail between the two
        // writes of one commit (objects, progress, then manifest), and progress is what a resume
        // skips.
        assertThat(committedIds(bucket, "broken", "color"))
                .isBetween(partial.catalogIds().size(), partial.catalogIds().size() + 16);

        Map<String, Object> next =
                jobs.awaitFinished(jobs.post("{\"prefix\":\"broken\",\"indexTypes\":[\"color\"]}"));
        assertThat(next.get("state")).as("next job %s", next).isEqualTo("SUCCEEDED");
        BucketIndex.Contents complete =
                BucketIndex.read(EMULATOR.objects("faiss-shards"), "broken", "color");
        assertThat(complete.catalogIds()).hasSize(IMAGES - 2).doesNotHaveDuplicates();
        assertThat(((Map<String, Object>) next.get("counts")).get("embedded"))
                .as(
                        "the next job resumes exactly: it embeds only what the failed one did not commit")
                .isEqualTo(IMAGES - 2 - committedIds(bucket, "broken", "color"));
        // The same vectors as a fault-free build of the same catalogue.
        Map<String, Object> reference =
                jobs.awaitFinished(
                        jobs.post("{\"prefix\":\"reference\",\"indexTypes\":[\"color\"]}"));
        assertThat(reference.get("state")).isEqualTo("SUCCEEDED");
        BucketIndex.Contents expected =
                BucketIndex.read(EMULATOR.objects("faiss-shards"), "reference", "color");
        SupabaseBuildFixture.assertSameVectors(expected, complete, "color");
    }

    @Test
    void theKeyIsNeverShownByActuatorOrJobViews() throws Exception {
        for (String path :
                List.of("/actuator/env", "/actuator/configprops", "/actuator/health", "/jobs")) {
            HttpResponse<String> response = jobs.get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            assertThat(response.body())
                    .as(path)
                    .doesNotContain(SupabaseEmulator.SERVICE_KEY)
                    .doesNotContain(SupabaseEmulator.SERVICE_KEY.substring(0, 40));
        }
        assertThat(jobs.get("/actuator/health").body())
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

    /** How many catalogue ids progress.json records as committed for {@code type}. */
    @SuppressWarnings("unchecked")
    private static int committedIds(Map<String, byte[]> bucket, String prefix, String type) {
        Map<String, Object> progress =
                JSON.readValue(bucket.get(prefix + "/progress.json"), Map.class);
        Map<String, Object> index =
                (Map<String, Object>) ((Map<String, Object>) progress.get("indexes")).get(type);
        int ids = 0;
        for (String section : List.of("sealedShards", "openSegments")) {
            for (Map<String, Object> record : (List<Map<String, Object>>) index.get(section)) {
                ids += IdFile.read(bucket.get(prefix + "/" + record.get("idsFile"))).size();
            }
        }
        return ids;
    }

    @SuppressWarnings("unchecked")
    private static boolean referenced(Map<String, Object> progress, String key) {
        for (Object index : ((Map<String, Object>) progress.get("indexes")).values()) {
            for (Map<String, Object> segment :
                    (List<Map<String, Object>>) ((Map<String, Object>) index).get("openSegments")) {
                if (key.equals("faulty/" + segment.get("file"))
                        || key.equals("faulty/" + segment.get("idsFile"))
                        || key.equals("faulty/" + segment.get("urlsFile"))) {
                    return true;
                }
            }
        }
        return false;
    }
}
