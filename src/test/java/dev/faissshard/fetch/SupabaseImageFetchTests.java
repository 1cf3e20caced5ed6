package dev.faissshard.fetch;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;

import dev.faissshard.image.FailureReason;
import dev.faissshard.image.ImageRejectedException;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.testsupabase.Fault;
import dev.faissshard.testsupabase.SupabaseEmulator;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Image URLs naming objects in a Supabase bucket are fetched through the authenticated Storage API. */
class SupabaseImageFetchTests {

    private SupabaseEmulator emulator;
    private RoutingImageFetcher fetcher;

    @BeforeEach
    void start() throws Exception {
        emulator = new SupabaseEmulator();
        emulator.createBucket("products", false, null);
        emulator.putObject("products", "shoes/red shoe.jpg", new byte[] { 1, 2, 3 }, "image/jpeg");
        SupabaseProperties supabase = new SupabaseProperties(URI.create(emulator.url()), SupabaseEmulator.SERVICE_KEY,
                Duration.ofSeconds(2), Duration.ofSeconds(2), new SupabaseProperties.Retry(3, Duration.ofMillis(10),
                        Duration.ofMillis(100), 2.0));
        FetchProperties fetch = new FetchProperties(4, Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(10),
                DataSize.ofMegabytes(1), 2, 1, "test");
        fetcher = new RoutingImageFetcher(WebClient.builder(), fetch, supabase, JsonMapper.builder().build());
    }

    @AfterEach
    void stop() {
        fetcher.destroy();
        emulator.close();
    }

    @Test
    void supabaseUrlsOfAPrivateBucketAreFetchedWithTheKey() {
        assertThat(fetcher.fetch(URI.create("supabase://products/shoes/red%20shoe.jpg")).join()).containsExactly(1, 2, 3);
        // The project's public object URL of a private bucket would answer NoSuchBucket; the authenticated route works.
        URI projectUrl = URI.create(emulator.url() + "/storage/v1/object/public/products/shoes/red%20shoe.jpg");
        assertThat(fetcher.fetch(projectUrl).join()).containsExactly(1, 2, 3);
    }

    @Test
    void transientFailuresAreRetriedAndMissingObjectsAreNotFound() {
        emulator.failNext(call -> true, Fault.INTERNAL_ERROR);
        assertThat(fetcher.fetch(URI.create("supabase://products/shoes/red%20shoe.jpg")).join()).hasSize(3);
        assertThatThrownBy(() -> fetcher.fetch(URI.create("supabase://products/missing.jpg")).join())
            .isInstanceOf(CompletionException.class).cause().isInstanceOf(ImageRejectedException.class)
            .satisfies(ex -> assertThat(((ImageRejectedException) ex).reason()).isEqualTo(FailureReason.NOT_FOUND))
            .hasMessageContaining("Object not found");
    }
}
