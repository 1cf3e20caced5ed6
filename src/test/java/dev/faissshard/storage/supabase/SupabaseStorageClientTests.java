package dev.faissshard.storage.supabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.BucketNotFoundException;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.ObjectNotFoundException;
import dev.faissshard.storage.ObjectTooLargeException;
import dev.faissshard.storage.StorageAccessDeniedException;
import dev.faissshard.storage.StorageProperties;
import dev.faissshard.storage.StorageUnavailableException;
import dev.faissshard.storage.StoredObject;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/** {@link SupabaseStorageClient} against the Storage emulator on loopback, with faults injected. */
class SupabaseStorageClientTests {

    private static final String BUCKET = "shards";

    private final List<SupabaseStorageApi> apis = new ArrayList<>();
    private SupabaseEmulator emulator;
    private SupabaseStorageClient client;

    @BeforeEach
    void start() throws Exception {
        emulator = new SupabaseEmulator();
        emulator.createBucket(BUCKET, false, null);
        client = client(SupabaseEmulator.SERVICE_KEY, settings(BUCKET, false, 0), 4);
    }

    @AfterEach
    void stop() {
        apis.forEach(SupabaseStorageApi::close);
        emulator.close();
    }

    @Test
    void createStoresAnImmutableObjectAndReplaceOverwritesIt() {
        client.create("faiss/a.faiss", bytes(1000, 1), "application/octet-stream");
        assertThatThrownBy(
                        () ->
                                client.create(
                                        "faiss/a.faiss", bytes(10, 2), "application/octet-stream"))
                .isInstanceOf(ObjectAlreadyExistsException.class)
                .hasMessageContaining("The resource already exists")
                .hasMessageContaining("KeyAlreadyExists");
        assertThat(client.get("faiss/a.faiss")).isEqualTo(bytes(1000, 1));
        client.replace("progress.json", "{\"v\":1}".getBytes(), "application/json");
        client.replace("progress.json", "{\"v\":2}".getBytes(), "application/json");
        assertThat(client.get("progress.json")).isEqualTo("{\"v\":2}".getBytes());
    }

    @Test
    void createOfAnExistingObjectAnsweredBeforeItsBodyLeavesTheNextCallUnharmed() {
        // The emulator answers such a create before reading its body and then holds the connection
        // unread, as the real server does; 512 KiB goes out whole, 5 MiB is first checked with a
        // HEAD.
        byte[] segment = bytes(512 * 1024, 6);
        byte[] shard = bytes(5 * 1024 * 1024, 7);
        emulator.putObject(
                BUCKET, "faiss/open/color_001_b1.faiss", segment, "application/octet-stream");
        emulator.putObject(
                BUCKET, "faiss/color_shard_001.faiss", shard, "application/octet-stream");
        emulator.putObject(BUCKET, "faiss/manifest.json", bytes(100, 8), "application/json");
        SupabaseStorageClient once =
                client(SupabaseEmulator.SERVICE_KEY, settings(BUCKET, false, 0), 1);
        emulator.clearCalls();
        for (int rebuild = 0; rebuild < 3; rebuild++) {
            assertThatThrownBy(
                            () ->
                                    once.create(
                                            "faiss/open/color_001_b1.faiss",
                                            segment,
                                            "application/octet-stream"))
                    .isInstanceOf(ObjectAlreadyExistsException.class);
            assertThatThrownBy(
                            () ->
                                    once.create(
                                            "faiss/color_shard_001.faiss",
                                            shard,
                                            "application/octet-stream"))
                    .isInstanceOf(ObjectAlreadyExistsException.class);
            // One attempt: a call queued behind an unread body on a reused connection times out
            // here.
            assertThat(once.get("faiss/manifest.json")).isEqualTo(bytes(100, 8));
        }
        assertThat(emulator.calls())
                .filteredOn(call -> call.method().equals("POST"))
                .extracting(SupabaseEmulator.Call::path)
                .containsOnly("/object/shards/faiss/open/color_001_b1.faiss");
        assertThat(emulator.objects(BUCKET).get("faiss/color_shard_001.faiss")).isEqualTo(shard);
    }

    @Test
    void missingObjectIsNotFoundAndFindIsEmpty() {
        assertThatThrownBy(() -> client.get("nope.bin"))
                .isInstanceOf(ObjectNotFoundException.class)
                .hasMessageContaining("Object not found");
        assertThat(client.find("nope.bin")).isEmpty();
        client.delete("nope.bin");
    }

    @Test
    void keysWithSpacesAndPunctuationRoundTrip() {
        String key = "names/with space+plus;semi,comma=eq@at&dollar$.bin";
        client.create(key, bytes(5, 3), "application/octet-stream");
        assertThat(client.get(key)).isEqualTo(bytes(5, 3));
        assertThat(client.list("names/")).extracting(StoredObject::key).containsExactly(key);
    }

    @Test
    void listWalksFoldersAndPagesAndFiltersByStringPrefix() {
        SupabaseStorageClient paging =
                client(SupabaseEmulator.SERVICE_KEY, settings(BUCKET, false, 0, 2), 4);
        for (String key :
                List.of(
                        "faiss/color_shard_001.faiss",
                        "faiss/color_shard_002.faiss",
                        "faiss/combined_shard_001.faiss",
                        "faiss/open/color_001_b1.faiss",
                        "faiss/open/color_001_b2.faiss",
                        "faiss/open/deep/x.bin",
                        "faiss/manifest.json",
                        "progress.json",
                        "other/faiss.bin")) {
            paging.create(key, bytes(7, key.length()), "application/octet-stream");
        }
        emulator.putObject(
                BUCKET,
                "faiss/open/.emptyFolderPlaceholder",
                new byte[0],
                "application/octet-stream");
        assertThat(paging.list("faiss/open/"))
                .extracting(StoredObject::key)
                .containsExactly(
                        "faiss/open/color_001_b1.faiss",
                        "faiss/open/color_001_b2.faiss",
                        "faiss/open/deep/x.bin");
        assertThat(paging.list("faiss/col"))
                .extracting(StoredObject::key)
                .containsExactly("faiss/color_shard_001.faiss", "faiss/color_shard_002.faiss");
        assertThat(paging.list("")).hasSize(9).extracting(StoredObject::size).containsOnly(7L);
        assertThat(paging.list("fa")).hasSize(7);
    }

    @Test
    void bucketIsCreatedAtStartupWhenConfiguredAndItsLimitIsRead() {
        SupabaseStorageClient creating =
                client(
                        SupabaseEmulator.SERVICE_KEY,
                        settings("made-at-startup", true, 2_000_000),
                        4);
        creating.initialize();
        assertThat(creating.maxObjectBytes()).hasValue(2_000_000);
        creating.create("x.bin", bytes(10, 1), "application/octet-stream");
        assertThat(emulator.objects("made-at-startup")).containsKey("x.bin");
    }

    @Test
    void objectOverTheBucketLimitIsRefusedBeforeAnyUpload() {
        emulator.createBucket("small", false, 1_048_576L);
        SupabaseStorageClient small =
                client(SupabaseEmulator.SERVICE_KEY, settings("small", false, 0), 4);
        small.initialize();
        emulator.clearCalls();
        assertThatThrownBy(
                        () ->
                                small.create(
                                        "big.faiss",
                                        bytes(1_048_577, 1),
                                        "application/octet-stream"))
                .isInstanceOf(ObjectTooLargeException.class)
                .hasMessageContaining("file_size_limit");
        assertThat(emulator.calls()).isEmpty();
    }

    @Test
    void shardSizeLimitOverTheBucketLimitIsRefusedBeforeAnyShardIsBuilt() {
        emulator.createBucket("small", false, 1_048_576L);
        SupabaseStorageClient small =
                client(SupabaseEmulator.SERVICE_KEY, settings("small", false, 0), 4);
        ShardProperties properties =
                new ShardProperties(
                        DataSize.ofMegabytes(45), 0, "IDMap,Flat", Metric.INNER_PRODUCT, 1);
        ShardWriterFactory shards =
                new ShardWriterFactory(properties, new FaissVectorIndexes(properties));
        assertThatThrownBy(() -> shards.checkFits(small))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fsb.shard.max-bytes")
                .hasMessageContaining("1048576");
        shards.checkFits(client);
    }

    @Test
    void serverSideSizeLimitIsTranslatedWhenTheLimitCouldNotBeReadFirst() {
        emulator.createBucket("small", false, 1_048_576L);
        SupabaseStorageClient small =
                client(SupabaseEmulator.SERVICE_KEY, settings("small", false, 0), 4);
        assertThatThrownBy(
                        () ->
                                small.create(
                                        "big.faiss",
                                        bytes(1_500_000, 1),
                                        "application/octet-stream"))
                .isInstanceOf(ObjectTooLargeException.class)
                .hasMessageContaining("The object exceeded the maximum allowed size");
    }

    @Test
    void largeObjectGoesThroughTusAndResumesAtTheServersOffsetAfterABrokenPatch() {
        byte[] data = bytes(20 * 1024 * 1024 + 123, 9);
        emulator.failNext(call -> call.method().equals("PATCH"), Fault.RESET_BEFORE);
        emulator.failNext(call -> call.method().equals("PATCH"), Fault.PARTIAL_PATCH);
        emulator.failNext(call -> call.method().equals("PATCH"), Fault.RESET_AFTER);
        client.create("faiss/big.faiss", data, "application/octet-stream");
        assertThat(emulator.objects(BUCKET).get("faiss/big.faiss")).isEqualTo(data);
        List<SupabaseEmulator.Call> calls = emulator.calls();
        assertThat(calls)
                .filteredOn(
                        call -> call.method().equals("POST") && call.path().startsWith("/upload/"))
                .hasSize(1);
        assertThat(emulator.objects(BUCKET))
                .as("the upload's bookmark is removed once it is complete")
                .doesNotContainKey("faiss/big.faiss" + SupabaseStorageClient.BOOKMARK_SUFFIX);
        assertThat(calls)
                .filteredOn(
                        call -> call.method().equals("HEAD") && call.path().startsWith("/upload/"))
                .hasSize(3);
        // 20 MiB in 6 MiB chunks is 4 PATCHes; the three faults cost one extra PATCH each, not a
        // restart.
        assertThat(calls).filteredOn(call -> call.method().equals("PATCH")).hasSizeBetween(5, 8);
    }

    @Test
    void tusReplaceOfAnExistingObjectUpsertsAndTusCreateRefusesIt() {
        byte[] first = bytes(7 * 1024 * 1024, 1);
        byte[] second = bytes(7 * 1024 * 1024, 2);
        client.create("faiss/big.faiss", first, "application/octet-stream");
        assertThatThrownBy(
                        () -> client.create("faiss/big.faiss", second, "application/octet-stream"))
                .isInstanceOf(ObjectAlreadyExistsException.class)
                .hasMessageContaining("already exists");
        client.replace("faiss/big.faiss", second, "application/octet-stream");
        assertThat(client.get("faiss/big.faiss")).isEqualTo(second);
    }

    @Test
    void fiveHundredsAndRateLimitsAreRetriedHonouringRetryAfter() {
        emulator.failNext(call -> true, Fault.INTERNAL_ERROR);
        emulator.failNext(call -> true, Fault.UNAVAILABLE);
        emulator.failNext(call -> true, Fault.TOO_MANY_REQUESTS);
        long start = System.nanoTime();
        client.replace("progress.json", bytes(100, 1), "application/json");
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(emulator.objects(BUCKET)).containsKey("progress.json");
        assertThat(emulator.calls()).hasSize(4);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950));
    }

    @Test
    void slowAnswersTimeOutAndAreRetried() {
        SupabaseStorageClient impatient =
                client(
                        SupabaseEmulator.SERVICE_KEY,
                        settings(BUCKET, false, 0),
                        4,
                        Duration.ofSeconds(1));
        emulator.slowDelay(Duration.ofMillis(2500));
        emulator.failNext(call -> true, Fault.SLOW);
        impatient.replace("progress.json", bytes(100, 1), "application/json");
        assertThat(impatient.get("progress.json")).isEqualTo(bytes(100, 1));
    }

    @Test
    void exhaustedRetriesFailAsUnavailableWithSupabasesMessage() {
        for (int i = 0; i < 4; i++) {
            emulator.failNext(call -> true, Fault.INTERNAL_ERROR);
        }
        assertThatThrownBy(() -> client.replace("progress.json", bytes(10, 1), "application/json"))
                .isInstanceOf(StorageUnavailableException.class)
                .hasMessageContaining("Internal Server Error")
                .hasMessageContaining("500");
        assertThat(emulator.calls()).hasSize(4);
    }

    @Test
    void connectionResetsAreRetriedAndALostAnswerToACreateMeetsItself() {
        emulator.failNext(call -> true, Fault.RESET_BEFORE);
        client.create("a.bin", bytes(10, 1), "application/octet-stream");
        emulator.failNext(call -> true, Fault.RESET_AFTER);
        // The first attempt was stored; its retry then finds the key taken, which callers resolve
        // by comparing bytes.
        assertThatThrownBy(() -> client.create("b.bin", bytes(10, 2), "application/octet-stream"))
                .isInstanceOf(ObjectAlreadyExistsException.class);
        assertThat(emulator.objects(BUCKET).get("b.bin")).isEqualTo(bytes(10, 2));
    }

    @Test
    void otherClientErrorsAreNotRetriedAndNeverShowTheKey() {
        SupabaseStorageClient anon =
                client(SupabaseEmulator.ANON_KEY, settings(BUCKET, false, 0), 4);
        emulator.clearCalls();
        assertThatThrownBy(() -> anon.create("a.bin", bytes(10, 1), "application/octet-stream"))
                .isInstanceOf(StorageAccessDeniedException.class)
                .hasMessageContaining("new row violates row-level security policy")
                .hasMessageNotContaining(SupabaseEmulator.ANON_KEY);
        assertThat(emulator.calls()).hasSize(1);

        SupabaseStorageClient forged =
                client(SupabaseEmulator.SERVICE_KEY + "x", settings(BUCKET, false, 0), 4);
        assertThatThrownBy(() -> forged.get("a.bin"))
                .isInstanceOf(StorageAccessDeniedException.class)
                .hasMessageContaining("signature verification failed")
                .hasMessageNotContaining(SupabaseEmulator.SERVICE_KEY);
        assertThat(forged.description()).doesNotContain(SupabaseEmulator.SERVICE_KEY);
    }

    @Test
    void missingBucketIsItsOwnFailure() {
        SupabaseStorageClient missing =
                client(SupabaseEmulator.SERVICE_KEY, settings("no-such-bucket", false, 0), 4);
        assertThatThrownBy(() -> missing.create("a.bin", bytes(10, 1), "application/octet-stream"))
                .isInstanceOf(BucketNotFoundException.class)
                .hasMessageContaining("Bucket not found");
        assertThatThrownBy(missing::ping).isInstanceOf(BucketNotFoundException.class);
    }

    // A read timeout no loaded machine reaches by accident; the test of timeouts sets its own.
    private SupabaseStorageClient client(
            String key, StorageProperties.Supabase settings, int attempts) {
        return client(key, settings, attempts, Duration.ofSeconds(15));
    }

    private SupabaseStorageClient client(
            String key, StorageProperties.Supabase settings, int attempts, Duration readTimeout) {
        SupabaseProperties properties =
                new SupabaseProperties(
                        URI.create(emulator.url()),
                        key,
                        Duration.ofSeconds(2),
                        readTimeout,
                        new SupabaseProperties.Retry(
                                attempts, Duration.ofMillis(10), Duration.ofSeconds(2), 2.0));
        SupabaseStorageApi api =
                SupabaseStorageApi.create(
                        WebClient.builder(), properties, JsonMapper.builder().build());
        apis.add(api);
        return new SupabaseStorageClient(api, settings);
    }

    private static StorageProperties.Supabase settings(String bucket, boolean create, long limit) {
        return settings(bucket, create, limit, 1000);
    }

    private static StorageProperties.Supabase settings(
            String bucket, boolean create, long limit, int pageSize) {
        return new StorageProperties.Supabase(
                bucket,
                create,
                DataSize.ofBytes(limit),
                DataSize.ofMegabytes(6),
                DataSize.ofMegabytes(6),
                pageSize);
    }

    static byte[] bytes(int length, long seed) {
        byte[] data = new byte[length];
        new Random(seed).nextBytes(data);
        return data;
    }
}
