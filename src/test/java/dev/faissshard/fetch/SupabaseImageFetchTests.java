package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Image URLs naming objects in a Supabase bucket are fetched through the authenticated Storage API.
 */
class SupabaseImageFetchTests {

    private SupabaseEmulator emulator;
    private TestImageFetcher fetcher;

    @BeforeEach
    void start() throws Exception {
        emulator = new SupabaseEmulator();
        emulator.createBucket("products", false, null);
        emulator.putObject("products", "shoes/red shoe.jpg", new byte[] {1, 2, 3}, "image/jpeg");
        SupabaseProperties supabase =
                new SupabaseProperties(
                        URI.create(emulator.url()),
                        SupabaseEmulator.SERVICE_KEY,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(2),
                        new SupabaseProperties.Retry(
                                3, Duration.ofMillis(10), Duration.ofMillis(100), 2.0));
        FetchProperties fetch =
                new FetchProperties(
                        4,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        DataSize.ofMegabytes(1),
                        2,
                        1,
                        "test",
                        new FetchProperties.Egress(List.of(), List.of()),
                        new FetchProperties.Files(true, List.of()),
                        8,
                        0,
                        List.of(),
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(1),
                        Duration.ofMinutes(2),
                        Duration.ZERO);
        fetcher =
                new TestImageFetcher(
                        WebClient.builder(), fetch, supabase, JsonMapper.builder().build());
    }

    @AfterEach
    void stop() {
        fetcher.destroy();
        emulator.close();
    }

    @Test
    void supabaseUrlsOfAPrivateBucketAreFetchedWithTheKey() {
        assertThat(fetcher.fetch(URI.create("supabase://products/shoes/red%20shoe.jpg")).join())
                .containsExactly(1, 2, 3);
        // The project's public object URL of a private bucket would answer NoSuchBucket; the
        // authenticated route works.
        URI projectUrl =
                URI.create(
                        emulator.url() + "/storage/v1/object/public/products/shoes/red%20shoe.jpg");
        assertThat(fetcher.fetch(projectUrl).join()).containsExactly(1, 2, 3);
    }

    @Test
    void transientFailuresAreRetriedAndMissingObjectsAreNotFound() {
        emulator.failNext(call -> true, Fault.INTERNAL_ERROR);
        assertThat(fetcher.fetch(URI.create("supabase://products/shoes/red%20shoe.jpg")).join())
                .hasSize(3);
        assertThatThrownBy(
                        () -> fetcher.fetch(URI.create("supabase://products/missing.jpg")).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(ImageRejectedException.class)
                .satisfies(
                        ex ->
                                assertThat(((ImageRejectedException) ex).reason())
                                        .isEqualTo(FailureReason.NOT_FOUND))
                .hasMessageContaining("HTTP 404")
                .satisfies(
                        ex ->
                                assertThat(ex.getMessage())
                                        .as("the Storage server's error text is not quoted")
                                        .doesNotContain("Object not found"));
    }

    @Test
    void numericShortHostWithSupabaseConfiguredIsRefusedByTheEgressPolicyNotACrash() {
        // java.net.URI leaves getHost() null for 127.2 (the emulator on 127.0.0.1 is exempt as the
        // project); this used to end as a NullPointerException recorded as corrupt.
        assertThatThrownBy(() -> fetcher.fetch(URI.create("http://127.2/a.jpg")).join())
                .cause()
                .isInstanceOf(ImageRejectedException.class)
                .satisfies(
                        ex ->
                                assertThat(((ImageRejectedException) ex).reason())
                                        .isEqualTo(FailureReason.EGRESS_REFUSED));
    }

    @Test
    void theOperatorsOwnSupabaseHostIsNotSubjectToTheEgressPolicy() {
        // A signed URL goes through the plain HTTP client; the emulator lives on loopback, which
        // nothing else may reach.
        URI signed =
                URI.create(emulator.url() + "/storage/v1/object/sign/products/missing.jpg?token=x");
        assertThatThrownBy(() -> fetcher.fetch(signed).join())
                .cause()
                .isInstanceOf(ImageRejectedException.class)
                .satisfies(
                        ex ->
                                assertThat(((ImageRejectedException) ex).reason())
                                        .isNotEqualTo(FailureReason.EGRESS_REFUSED)
                                        .isIn(FailureReason.HTTP_STATUS, FailureReason.NOT_FOUND));
    }
}
