package dev.faissshard.storage.supabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.storage.StorageProperties;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * A resumable (TUS) upload cut off in one process continues in the next from the server's offset:
 * each "process" here is a client of its own (its own connection pool, nothing shared in memory),
 * and what carries over is the bookmark object in the bucket.
 */
class ResumableUploadAcrossProcessesTests {

    private static final String BUCKET = "shards";
    private static final String KEY = "faiss/color_shard_001.faiss";
    private static final int CHUNK = 6 * 1024 * 1024;
    private static final int LENGTH = 20 * 1024 * 1024;

    private final List<SupabaseStorageApi> apis = new ArrayList<>();
    private SupabaseEmulator emulator;

    @BeforeEach
    void start() throws Exception {
        emulator = new SupabaseEmulator();
        emulator.createBucket(BUCKET, false, null);
    }

    @AfterEach
    void stop() {
        apis.forEach(SupabaseStorageApi::close);
        emulator.close();
    }

    @Test
    void anUploadCutOffInOneProcessContinuesInTheNextFromTheServersOffset() {
        byte[] shard = SupabaseStorageClientTests.bytes(LENGTH, 11);
        interruptAfterTwoChunks(shard);
        long sentByTheFirst = emulator.tusBytesReceived();
        // Two whole chunks, then half of the third before the connection broke.
        assertThat(sentByTheFirst).isEqualTo(2L * CHUNK + CHUNK / 2);
        assertThat(emulator.objects(BUCKET)).containsKey(bookmarkKey()).doesNotContainKey(KEY);
        String bookmark =
                new String(emulator.objects(BUCKET).get(bookmarkKey()), StandardCharsets.UTF_8);
        assertThat(bookmark)
                .as("the bookmark names the upload, never a key or token")
                .doesNotContain(SupabaseEmulator.SERVICE_KEY)
                .doesNotContain("Bearer");

        client().create(KEY, shard, "application/octet-stream");

        assertThat(emulator.tusBytesReceived() - sentByTheFirst)
                .as("bytes the second process sent")
                .isEqualTo(LENGTH - sentByTheFirst);
        assertThat(emulator.objects(BUCKET).get(KEY)).isEqualTo(shard);
        assertThat(emulator.objects(BUCKET)).doesNotContainKey(bookmarkKey());
        assertThat(emulator.openUploads()).isZero();
    }

    @Test
    void anUploadTheServerNoLongerKnowsStartsAnewFromByteZero() {
        byte[] shard = SupabaseStorageClientTests.bytes(LENGTH, 12);
        interruptAfterTwoChunks(shard);
        Map<?, ?> bookmark =
                JsonMapper.builder()
                        .build()
                        .readValue(emulator.objects(BUCKET).get(bookmarkKey()), Map.class);
        assertThat(emulator.expireUpload((String) bookmark.get("upload"))).isTrue();
        long before = emulator.tusBytesReceived();

        client().create(KEY, shard, "application/octet-stream");

        assertThat(emulator.tusBytesReceived() - before).isEqualTo(LENGTH);
        assertThat(emulator.objects(BUCKET).get(KEY)).isEqualTo(shard);
        assertThat(emulator.objects(BUCKET)).doesNotContainKey(bookmarkKey());
    }

    @Test
    void aBookmarkOfOtherBytesOrPointingElsewhereIsIgnored() {
        byte[] shard = SupabaseStorageClientTests.bytes(LENGTH, 13);
        interruptAfterTwoChunks(shard);
        byte[] other = SupabaseStorageClientTests.bytes(LENGTH, 14);
        long before = emulator.tusBytesReceived();

        client().create(KEY, other, "application/octet-stream");

        assertThat(emulator.tusBytesReceived() - before)
                .as("other bytes: sent whole")
                .isEqualTo(LENGTH);
        assertThat(emulator.objects(BUCKET).get(KEY)).isEqualTo(other);

        // A bookmark edited to lead the upload (and its key) out of the TUS path is never followed.
        String edited =
                "{\"formatVersion\":1,\"upload\":\"../../object/x\",\"length\":"
                        + LENGTH
                        + ",\"sha256\":\""
                        + sha256(shard)
                        + "\",\"upsert\":true,\"createdAt\":\"2026-01-01T00:00:00Z\"}";
        emulator.putObject(
                BUCKET,
                "faiss/open/seg.faiss" + SupabaseStorageClient.BOOKMARK_SUFFIX,
                edited.getBytes(StandardCharsets.UTF_8),
                "application/json");
        emulator.clearCalls();
        client().replace("faiss/open/seg.faiss", shard, "application/octet-stream");
        assertThat(emulator.objects(BUCKET).get("faiss/open/seg.faiss")).isEqualTo(shard);
        assertThat(emulator.calls())
                .noneMatch(call -> call.path().contains("/object/x"))
                .noneMatch(call -> call.method().equals("HEAD"));
    }

    /** The first process: two chunks go through, the third is cut off mid-body, no retry. */
    private void interruptAfterTwoChunks(byte[] shard) {
        emulator.failAfter(call -> call.method().equals("PATCH"), 2, Fault.PARTIAL_PATCH);
        SupabaseStorageClient first = client(1);
        assertThatThrownBy(() -> first.create(KEY, shard, "application/octet-stream"))
                .isInstanceOf(RuntimeException.class);
        emulator.stopFaults();
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String bookmarkKey() {
        return KEY + SupabaseStorageClient.BOOKMARK_SUFFIX;
    }

    private SupabaseStorageClient client() {
        return client(4);
    }

    private SupabaseStorageClient client(int attempts) {
        SupabaseProperties properties =
                new SupabaseProperties(
                        URI.create(emulator.url()),
                        SupabaseEmulator.SERVICE_KEY,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(15),
                        new SupabaseProperties.Retry(
                                attempts, Duration.ofMillis(10), Duration.ofSeconds(2), 2.0));
        SupabaseStorageApi api =
                SupabaseStorageApi.create(
                        WebClient.builder(), properties, JsonMapper.builder().build());
        apis.add(api);
        return new SupabaseStorageClient(
                api,
                new StorageProperties.Supabase(
                        BUCKET,
                        false,
                        DataSize.ofBytes(0),
                        DataSize.ofMegabytes(6),
                        DataSize.ofMegabytes(6),
                        1000));
    }
}
