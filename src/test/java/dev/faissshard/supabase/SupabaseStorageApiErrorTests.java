package dev.faissshard.supabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every failure of the Storage API client arrives as its own type, against the Storage emulator on
 * loopback: callers catch what they mean and never read a message.
 */
class SupabaseStorageApiErrorTests {

    private static final String BUCKET = "shards";
    private static final String OCTETS = "application/octet-stream";

    private final List<SupabaseStorageApi> apis = new ArrayList<>();
    private SupabaseEmulator emulator;
    private SupabaseStorageApi api;

    @BeforeEach
    void start() throws IOException {
        emulator = new SupabaseEmulator();
        emulator.createBucket(BUCKET, false, null);
        emulator.createBucket("small", false, 1000L);
        api = api(emulator.url(), SupabaseEmulator.SERVICE_KEY, Duration.ofSeconds(15));
    }

    @AfterEach
    void stop() {
        apis.forEach(SupabaseStorageApi::close);
        emulator.close();
    }

    @Test
    void anAnswerThatComesTooLateIsATimeout() {
        SupabaseStorageApi impatient =
                api(emulator.url(), SupabaseEmulator.SERVICE_KEY, Duration.ofMillis(300));
        emulator.putObject(BUCKET, "a.bin", new byte[] {1}, OCTETS);
        emulator.slowDelay(Duration.ofSeconds(3));
        emulator.failNext(call -> call.method().equals("GET"), Fault.SLOW);

        SupabaseTimeoutException timeout =
                catchThrowableOfType(
                        SupabaseTimeoutException.class,
                        () -> impatient.objects().download(BUCKET, "a.bin"));
        assertThat(timeout.isTransient()).isTrue();
        assertThat(timeout.getMessage())
                .contains("download shards/a.bin")
                .contains("no answer in time");
    }

    @Test
    void aBrokenConnectionAndAClosedPortAreUnreachable() throws IOException {
        emulator.failNext(call -> call.method().equals("GET"), Fault.RESET_BEFORE);
        SupabaseUnreachableException reset =
                catchThrowableOfType(
                        SupabaseUnreachableException.class,
                        () -> api.objects().download(BUCKET, "a.bin"));
        assertThat(reset.isTransient()).isTrue();

        SupabaseStorageApi nowhere =
                api(closedPortUrl(), SupabaseEmulator.SERVICE_KEY, Duration.ofSeconds(15));
        assertThatThrownBy(() -> nowhere.buckets().get(BUCKET))
                .isInstanceOf(SupabaseUnreachableException.class);
    }

    @Test
    void aPatchAtAStaleOffsetIsAnOffsetConflictCarryingTheServersOffset() {
        byte[] data = new byte[100];
        ResumableUploads uploads = api.resumableUploads(40);
        URI location =
                uploads.create("shards/big.bin", BUCKET, "big.bin", data.length, OCTETS, false);
        assertThat(uploads.patch("shards/big.bin", location, data, 0, false)).isEqualTo(40);

        SupabaseOffsetConflictException conflict =
                catchThrowableOfType(
                        SupabaseOffsetConflictException.class,
                        () -> uploads.patch("shards/big.bin", location, data, 0, false));
        assertThat(conflict.sentOffset()).isZero();
        assertThat(conflict.serverOffset()).isEqualTo(40);
        assertThat(conflict.isTransient()).isFalse();
    }

    @Test
    void theLoserOfTwoUploadsOfOneNameMeetsAnExistingObjectNotAnOffsetConflict() {
        byte[] data = new byte[100];
        ResumableUploads uploads = api.resumableUploads(100);
        URI first =
                uploads.create("shards/same.bin", BUCKET, "same.bin", data.length, OCTETS, false);
        URI second =
                uploads.create("shards/same.bin", BUCKET, "same.bin", data.length, OCTETS, false);
        uploads.patch("shards/same.bin", first, data, 0, false);

        assertThatThrownBy(() -> uploads.patch("shards/same.bin", second, data, 0, false))
                .isExactlyInstanceOf(SupabaseAlreadyExistsException.class);
    }

    @Test
    void anExistingObjectOrBucketIsAlreadyExists() {
        api.objects().upload(BUCKET, "once.bin", new byte[] {1}, OCTETS, false);

        assertThatThrownBy(
                        () ->
                                api.objects()
                                        .upload(BUCKET, "once.bin", new byte[] {2}, OCTETS, false))
                .isInstanceOf(SupabaseAlreadyExistsException.class);
        assertThatThrownBy(() -> api.buckets().create(BUCKET, false, 0))
                .isInstanceOf(SupabaseAlreadyExistsException.class);
        assertThatThrownBy(
                        () ->
                                api.resumableUploads(1000)
                                        .create(
                                                "shards/once.bin",
                                                BUCKET,
                                                "once.bin",
                                                10,
                                                OCTETS,
                                                false))
                .isInstanceOf(SupabaseAlreadyExistsException.class);
    }

    @Test
    void aMissingObjectIsNotFoundAndAMissingBucketSaysSoOnEveryRoute() {
        SupabaseNotFoundException object =
                catchThrowableOfType(
                        SupabaseNotFoundException.class,
                        () -> api.objects().download(BUCKET, "absent.bin"));
        assertThat(object.bucketMissing()).isFalse();
        assertThat(object.isTransient()).isFalse();

        SupabaseNotFoundException bucket =
                catchThrowableOfType(
                        SupabaseNotFoundException.class, () -> api.buckets().get("no-such-bucket"));
        assertThat(bucket.bucketMissing()).isTrue();
        // TUS answers a missing bucket in plain text only; the route says what is missing.
        SupabaseNotFoundException tus =
                catchThrowableOfType(
                        SupabaseNotFoundException.class,
                        () ->
                                api.resumableUploads(1000)
                                        .create(
                                                "no-such-bucket/a.bin",
                                                "no-such-bucket",
                                                "a.bin",
                                                10,
                                                OCTETS,
                                                false));
        assertThat(tus.bucketMissing()).isTrue();
        assertThat(api.objects().exists(BUCKET, "absent.bin")).isFalse();
    }

    @Test
    void aKeyThatMayNotWriteIsAccessDenied() {
        SupabaseStorageApi anon =
                api(emulator.url(), SupabaseEmulator.ANON_KEY, Duration.ofSeconds(15));
        SupabaseStorageApi forged =
                api(emulator.url(), SupabaseEmulator.SERVICE_KEY + "x", Duration.ofSeconds(15));

        assertThatThrownBy(
                        () -> anon.objects().upload(BUCKET, "a.bin", new byte[] {1}, OCTETS, true))
                .isInstanceOf(SupabaseAccessDeniedException.class);
        assertThatThrownBy(
                        () ->
                                anon.resumableUploads(1000)
                                        .create("shards/a.bin", BUCKET, "a.bin", 10, OCTETS, false))
                .isInstanceOf(SupabaseAccessDeniedException.class);
        SupabaseAccessDeniedException denied =
                catchThrowableOfType(
                        SupabaseAccessDeniedException.class,
                        () -> forged.objects().download(BUCKET, "a.bin"));
        assertThat(denied.getMessage()).doesNotContain(SupabaseEmulator.SERVICE_KEY);
    }

    @Test
    void anObjectOverTheBucketLimitIsTooLargeOnBothUploadRoutes() {
        SupabaseTooLargeException standard =
                catchThrowableOfType(
                        SupabaseTooLargeException.class,
                        () ->
                                api.objects()
                                        .upload("small", "big.bin", new byte[2000], OCTETS, true));
        assertThat(standard.effectiveStatus()).isEqualTo(413);
        assertThat(standard.httpStatus())
                .as("Storage's REST routes say 413 inside a 400")
                .isEqualTo(400);
        assertThatThrownBy(
                        () ->
                                api.resumableUploads(1000)
                                        .create(
                                                "small/big.bin",
                                                "small",
                                                "big.bin",
                                                2000,
                                                OCTETS,
                                                false))
                .isInstanceOf(SupabaseTooLargeException.class);
    }

    @Test
    void serverErrorsAreTransientAnswersAndNotRetriedPastTheAttempts() {
        SupabaseStorageApi once =
                api(emulator.url(), SupabaseEmulator.SERVICE_KEY, Duration.ofSeconds(15), 1);
        emulator.failNext(call -> call.method().equals("GET"), Fault.INTERNAL_ERROR);

        SupabaseHttpException failed =
                catchThrowableOfType(
                        SupabaseHttpException.class,
                        () -> once.objects().download(BUCKET, "a.bin"));
        assertThat(failed.getClass()).isEqualTo(SupabaseHttpException.class);
        assertThat(failed.isTransient()).isTrue();
        assertThat(emulator.injected(Fault.INTERNAL_ERROR)).isEqualTo(1);
    }

    private SupabaseStorageApi api(String url, String key, Duration readTimeout) {
        return api(url, key, readTimeout, 1);
    }

    private SupabaseStorageApi api(String url, String key, Duration readTimeout, int attempts) {
        SupabaseProperties properties =
                new SupabaseProperties(
                        URI.create(url),
                        key,
                        Duration.ofSeconds(2),
                        readTimeout,
                        new SupabaseProperties.Retry(
                                attempts, Duration.ofMillis(10), Duration.ofMillis(100), 2.0));
        SupabaseStorageApi created =
                SupabaseStorageApi.create(
                        WebClient.builder(), properties, JsonMapper.builder().build());
        apis.add(created);
        return created;
    }

    /** A loopback port that nothing listens on: bound to learn a free number, then closed. */
    static String closedPortUrl() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return "http://127.0.0.1:" + socket.getLocalPort();
        }
    }
}
