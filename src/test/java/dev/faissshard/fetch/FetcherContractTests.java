package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.supabase.SupabaseProperties;
import dev.faissshard.supabase.SupabaseStorageApi;
import dev.faissshard.testsupabase.SupabaseEmulator;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hc.client5.http.DnsResolver;
import org.apache.hc.client5.http.SystemDefaultDnsResolver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * The fetcher contract: a fetch fails only with {@link ImageRejectedException}; whatever else goes
 * wrong inside a transport is filed as {@link FailureReason#UNEXPECTED_ERROR}, transient, naming
 * only the failure's type.
 */
class FetcherContractTests {

    private static final URI IMAGE = URI.create("supabase://products/a.jpg");

    private final FetchConfiguration configuration = new FetchConfiguration();
    private SupabaseEmulator emulator;
    private SupabaseProperties supabase;
    private FetchProperties fetch;
    private SupabaseStorageApi storage;
    private final List<HttpImageFetcher> https = new ArrayList<>();
    private ExecutorService threads;

    @BeforeEach
    void start() throws Exception {
        emulator = new SupabaseEmulator();
        emulator.createBucket("products", false, null);
        emulator.putObject("products", "a.jpg", new byte[] {1, 2, 3}, "image/jpeg");
        supabase =
                new SupabaseProperties(
                        URI.create(emulator.url()),
                        SupabaseEmulator.SERVICE_KEY,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(15),
                        new SupabaseProperties.Retry(
                                1, Duration.ofMillis(10), Duration.ofMillis(100), 2.0));
        fetch =
                new FetchProperties(
                        2,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        DataSize.ofMegabytes(1),
                        2,
                        0,
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
        storage =
                SupabaseStorageApi.create(
                        WebClient.builder(), supabase, JsonMapper.builder().build());
        threads = Executors.newSingleThreadExecutor();
    }

    @AfterEach
    void stop() {
        configuration.destroy();
        https.forEach(HttpImageFetcher::close);
        threads.shutdownNow();
        storage.close();
        emulator.close();
    }

    @Test
    void theRealTransportsFetchWhenNothingGoesWrong() {
        RoutingImageFetcher fetcher =
                configuration.imageFetcher(
                        fetch, supabase, storage, SystemDefaultDnsResolver.INSTANCE);

        assertThat(fetcher.fetch(IMAGE).join()).containsExactly(1, 2, 3);
    }

    @Test
    void anUnexpectedExceptionThrownWhileStartingAFetchIsAnUnexpectedTransientRejection() {
        // A transport whose pool fails in a way no transport expects (not the
        // RejectedExecutionException of a shutdown).
        SupabaseImageFetcher broken =
                new SupabaseImageFetcher(
                        storage.objects(),
                        1024,
                        task -> {
                            throw new IllegalStateException("pool broken: SECRET-DETAIL");
                        });
        RoutingImageFetcher fetcher = router(broken);

        ImageRejectedException rejected = rejection(fetcher.fetch(IMAGE));
        assertThat(rejected.reason()).isEqualTo(FailureReason.UNEXPECTED_ERROR);
        assertThat(rejected.reason().isTransient()).isTrue();
        assertThat(rejected.detail())
                .contains("IllegalStateException")
                .doesNotContain("SECRET-DETAIL");
    }

    @Test
    void anUnexpectedExceptionInsideAFetchOnItsPoolIsAnUnexpectedTransientRejection() {
        // The name resolver under the egress policy fails as no resolver should (not
        // UnknownHostException); it
        // runs on the HTTP transport's own pool, in the middle of the request.
        DnsResolver broken =
                new DnsResolver() {
                    @Override
                    public InetAddress[] resolve(String host) {
                        throw new IllegalStateException("resolver broken: SECRET-DETAIL");
                    }

                    @Override
                    public String resolveCanonicalHostname(String host) {
                        throw new IllegalStateException("resolver broken: SECRET-DETAIL");
                    }
                };
        RoutingImageFetcher fetcher = configuration.imageFetcher(fetch, supabase, storage, broken);

        ImageRejectedException rejected =
                rejection(fetcher.fetch(URI.create("http://images.test/a.jpg")));
        assertThat(rejected.reason()).isEqualTo(FailureReason.UNEXPECTED_ERROR);
        assertThat(rejected.reason().isTransient()).isTrue();
        assertThat(rejected.detail())
                .contains("IllegalStateException")
                .doesNotContain("SECRET-DETAIL");
    }

    @Test
    void aSupabaseObjectUrlThatWouldLeaveItsBucketIsAnInvalidUrl() {
        RoutingImageFetcher fetcher =
                configuration.imageFetcher(
                        fetch, supabase, storage, SystemDefaultDnsResolver.INSTANCE);
        emulator.createBucket("other", false, null);
        emulator.putObject("other", "secret.jpg", new byte[] {9}, "image/jpeg");

        for (String url :
                List.of(
                        "supabase://products/../other/secret.jpg",
                        emulator.url() + "/storage/v1/object/products/..%2Fother/secret.jpg",
                        emulator.url() + "/storage/v1/object/x%3Fy/secret.jpg")) {
            assertThat(rejection(fetcher.fetch(URI.create(url))).reason())
                    .as(url)
                    .isEqualTo(FailureReason.INVALID_URL);
        }
    }

    private RoutingImageFetcher router(SupabaseImageFetcher supabaseFetcher) {
        HttpImageFetcher http =
                new HttpImageFetcher(
                        fetch,
                        new EgressPolicy(List.of(), List.of()),
                        SystemDefaultDnsResolver.INSTANCE,
                        new SimpleMeterRegistry());
        https.add(http);
        return new RoutingImageFetcher(
                http,
                new FileImageFetcher(1024, fetch.files(), threads),
                supabase.url(),
                supabaseFetcher);
    }

    private static ImageRejectedException rejection(CompletableFuture<byte[]> fetched) {
        Throwable failure = catchThrowable(fetched::join);
        assertThat(failure)
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOf(ImageRejectedException.class);
        return (ImageRejectedException) failure.getCause();
    }
}
