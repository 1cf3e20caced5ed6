package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.fetch.ThrottlingImageServer.Answer;
import dev.faissshard.fetch.ThrottlingImageServer.Hit;
import dev.faissshard.supabase.SupabaseProperties;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * Politeness per host against a real server on 127.0.0.1 playing several hosts (names a test
 * resolver maps to loopback, through the egress policy like any fetch): concurrency and rate limits
 * per host, {@code Retry-After} in seconds and as a date, adaptive backoff on 429 / 503 without it,
 * other hosts flowing while one backs off, throttled images re-queued and then fetched or ended as
 * {@code throttled}, the User-Agent, and metrics tagged by host class only.
 */
class HostPolitenessTests {

    private static final byte[] IMAGE = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 1, 2, 3};
    private static final SupabaseProperties NO_SUPABASE =
            new SupabaseProperties(
                    null,
                    null,
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(60),
                    new SupabaseProperties.Retry(
                            1, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0));

    private ThrottlingImageServer server;
    private final List<TestImageFetcher> fetchers = new ArrayList<>();
    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @BeforeEach
    void start() throws Exception {
        server = new ThrottlingImageServer();
    }

    @AfterEach
    void stop() {
        fetchers.forEach(TestImageFetcher::destroy);
        server.close();
    }

    @Test
    void eachHostGetsNoMoreThanItsConcurrencyWhileOthersUseTheRest() throws Exception {
        server.host("one.shop.test", (path, attempt) -> slowly(Answer.ok(IMAGE), 200));
        server.host("two.shop.test", (path, attempt) -> slowly(Answer.ok(IMAGE), 200));
        server.host("cdn.test", (path, attempt) -> slowly(Answer.ok(IMAGE), 200));
        TestImageFetcher fetcher =
                fetcher(
                        Map.of(
                                "fsb.fetch.concurrency", "12",
                                "fsb.fetch.host-concurrency", "3",
                                "fsb.fetch.hosts[0].pattern", "*.shop.test",
                                "fsb.fetch.hosts[0].max-concurrency", "2"));
        List<CompletableFuture<byte[]>> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            for (String host : List.of("one.shop.test", "two.shop.test", "cdn.test")) {
                all.add(fetcher.fetch(server.url(host, "/" + i + ".jpg")));
            }
        }
        for (CompletableFuture<byte[]> fetched : all) {
            assertThat(fetched.get(120, TimeUnit.SECONDS)).isEqualTo(IMAGE);
        }
        assertThat(server.mostInFlight("one.shop.test")).isBetween(1, 2);
        assertThat(server.mostInFlight("two.shop.test")).isBetween(1, 2);
        assertThat(server.mostInFlight("cdn.test")).isBetween(1, 3);
    }

    @Test
    void aHostWithARateGetsItsRequestsNoFasterThanThatRate() throws Exception {
        server.host("rated.test", (path, attempt) -> Answer.ok(IMAGE));
        TestImageFetcher fetcher =
                fetcher(
                        Map.of(
                                "fsb.fetch.hosts[0].pattern", "rated.test",
                                "fsb.fetch.hosts[0].rate-per-second", "4"));
        // A first request opens the connection, so that connecting does not delay the first of
        // the six measured below.
        fetcher.fetch(server.url("rated.test", "/warm.jpg")).get(60, TimeUnit.SECONDS);
        Thread.sleep(300);
        List<CompletableFuture<byte[]>> all = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            all.add(fetcher.fetch(server.url("rated.test", "/" + i + ".jpg")));
        }
        for (CompletableFuture<byte[]> fetched : all) {
            assertThat(fetched.get(60, TimeUnit.SECONDS)).isEqualTo(IMAGE);
        }
        List<Hit> hits = server.hits("rated.test").subList(1, 7);
        assertThat(hits).extracting(Hit::path).doesNotContain("/warm.jpg");
        long first = hits.stream().mapToLong(Hit::arrivedNanos).min().orElseThrow();
        long last = hits.stream().mapToLong(Hit::arrivedNanos).max().orElseThrow();
        // Six starts at 4 per second span at least 1.25 s; 50 ms for the first request's trip.
        assertThat(last - first).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(1200));
    }

    @Test
    void retryAfterInSecondsIsHonouredWhileOtherHostsTakeTheOnlyDownloadSlot() throws Exception {
        server.host(
                "busy.test",
                (path, attempt) ->
                        attempt == 1
                                ? Answer.status(429, Map.of("Retry-After", "3"))
                                : Answer.ok(IMAGE));
        server.host("free.test", (path, attempt) -> Answer.ok(IMAGE));
        // One download slot in all: if the throttled image held it while waiting, nothing else
        // could be fetched until its retry.
        TestImageFetcher fetcher = fetcher(Map.of("fsb.fetch.concurrency", "1"));
        CompletableFuture<byte[]> busy = fetcher.fetch(server.url("busy.test", "/a.jpg"));
        awaitHits("busy.test", 1);
        List<CompletableFuture<byte[]>> free = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            free.add(fetcher.fetch(server.url("free.test", "/" + i + ".jpg")));
        }
        for (CompletableFuture<byte[]> fetched : free) {
            assertThat(fetched.get(60, TimeUnit.SECONDS)).isEqualTo(IMAGE);
        }
        assertThat(busy.get(60, TimeUnit.SECONDS)).isEqualTo(IMAGE);

        List<Hit> busyHits = server.hits("busy.test");
        assertThat(busyHits).extracting(Hit::status).containsExactly(429, 200);
        long throttledAt = busyHits.get(0).answeredNanos();
        long retriedAt = busyHits.get(1).arrivedNanos();
        assertThat(retriedAt - throttledAt).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(3));
        assertThat(server.hits("free.test"))
                .as("the other host was served while the throttled one waited")
                .allSatisfy(hit -> assertThat(hit.arrivedNanos()).isLessThan(retriedAt));
    }

    @Test
    void retryAfterAsAnHttpDateIsHonoured() throws Exception {
        ZonedDateTime until = ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(3);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(until);
        long untilMillis = until.withNano(0).toInstant().toEpochMilli();
        server.host(
                "dated.test",
                (path, attempt) ->
                        attempt == 1
                                ? Answer.status(503, Map.of("Retry-After", date))
                                : Answer.ok(IMAGE));
        TestImageFetcher fetcher = fetcher(Map.of());
        assertThat(fetcher.fetch(server.url("dated.test", "/a.jpg")).get(60, TimeUnit.SECONDS))
                .isEqualTo(IMAGE);
        List<Hit> hits = server.hits("dated.test");
        assertThat(hits).extracting(Hit::status).containsExactly(503, 200);
        // The date has whole seconds; the retry came no sooner than it (10 ms for clock reading).
        assertThat(hits.get(1).arrivedMillis()).isGreaterThanOrEqualTo(untilMillis - 10);
    }

    @Test
    void withoutRetryAfterTheHostBacksOffLongerAfterEachThrottledAnswer() throws Exception {
        server.host(
                "shy.test",
                (path, attempt) ->
                        attempt <= 3
                                ? Answer.status(attempt == 2 ? 503 : 429, Map.of())
                                : Answer.ok(IMAGE));
        TestImageFetcher fetcher = fetcher(Map.of("fsb.fetch.throttle-backoff", "400ms"));
        assertThat(fetcher.fetch(server.url("shy.test", "/a.jpg")).get(60, TimeUnit.SECONDS))
                .isEqualTo(IMAGE);
        List<Hit> hits = server.hits("shy.test");
        assertThat(hits).extracting(Hit::status).containsExactly(429, 503, 429, 200);
        // Jittered between half and all of 400 ms, 800 ms, 1600 ms.
        for (int i = 1; i < hits.size(); i++) {
            long gap = hits.get(i).arrivedNanos() - hits.get(i - 1).answeredNanos();
            assertThat(gap)
                    .as("pause before attempt %d", i + 1)
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200L << (i - 1)));
        }
        assertThat(registry.get("fsb.fetch.throttled").tag("host_class", "other").counter().count())
                .isEqualTo(3.0);
    }

    @Test
    void aHostThatKeepsThrottlingEndsItsImagesAsThrottledOnceTheBudgetIsUsed() throws Exception {
        server.host(
                "closed.test", (path, attempt) -> Answer.status(429, Map.of("Retry-After", "1")));
        TestImageFetcher fetcher = fetcher(Map.of("fsb.fetch.throttle-budget", "3s"));
        long start = System.nanoTime();
        ImageRejectedException failure =
                rejection(fetcher.fetch(server.url("closed.test", "/a.jpg")));
        assertThat(failure.reason()).isEqualTo(FailureReason.THROTTLED);
        assertThat(failure.reason().isTransient()).isTrue();
        assertThat(failure.detail()).contains("HTTP 429").contains("closed.test");
        assertThat(server.hits("closed.test").size()).isGreaterThanOrEqualTo(2);
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
    }

    @Test
    void aHostThatAsksForNoPauseIsAskedAtMostTenTimesPerImageAndNeverInATightLoop()
            throws Exception {
        server.host(
                "eager.test", (path, attempt) -> Answer.status(429, Map.of("Retry-After", "0")));
        TestImageFetcher fetcher = fetcher(Map.of());
        ImageRejectedException failure =
                rejection(fetcher.fetch(server.url("eager.test", "/a.jpg")));
        assertThat(failure.reason()).isEqualTo(FailureReason.THROTTLED);
        List<Hit> hits = server.hits("eager.test");
        assertThat(hits).hasSize(HostScheduler.MAX_TRIES);
        for (int i = 1; i < hits.size(); i++) {
            assertThat(hits.get(i).arrivedNanos() - hits.get(i - 1).answeredNanos())
                    .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    @Test
    void aBackoffLongerThanTheBudgetFailsTheHostsImagesAtOnceWithoutAskingAgain() throws Exception {
        server.host(
                "later.test", (path, attempt) -> Answer.status(429, Map.of("Retry-After", "3600")));
        TestImageFetcher fetcher =
                fetcher(
                        Map.of(
                                "fsb.fetch.max-retry-after",
                                "10m",
                                "fsb.fetch.throttle-budget",
                                "1m"));
        assertThat(rejection(fetcher.fetch(server.url("later.test", "/a.jpg"))).reason())
                .isEqualTo(FailureReason.THROTTLED);
        for (int i = 0; i < 5; i++) {
            assertThat(
                            rejection(fetcher.fetch(server.url("later.test", "/" + i + ".jpg")))
                                    .reason())
                    .isEqualTo(FailureReason.THROTTLED);
        }
        assertThat(server.hits("later.test")).as("one request, then none").hasSize(1);
        assertThat(
                        registry.get("fsb.fetch.host.backoff")
                                .tag("host_class", "other")
                                .gauge()
                                .value())
                .as("capped at max-retry-after")
                .isBetween(500.0, 600.0);
    }

    @Test
    void requestsNameTheServiceInTheirUserAgent() throws Exception {
        server.host("ua.test", (path, attempt) -> Answer.ok(IMAGE));
        fetcher(Map.of()).fetch(server.url("ua.test", "/a.jpg")).get(60, TimeUnit.SECONDS);
        fetcher(Map.of("fsb.fetch.user-agent", "faiss-shard-builder/9 (+https://shop.example/bot)"))
                .fetch(server.url("ua.test", "/b.jpg"))
                .get(60, TimeUnit.SECONDS);
        assertThat(server.hits("ua.test"))
                .extracting(Hit::userAgent)
                .containsExactlyInAnyOrder(
                        "faiss-shard-builder/" + UserAgent.version(),
                        "faiss-shard-builder/9 (+https://shop.example/bot)");
        assertThat(UserAgent.version()).isNotBlank().isNotEqualTo("dev");
    }

    @Test
    void hostStateIsPublishedPerHostClassNeverPerHost() throws Exception {
        server.host(
                "a.busy.test",
                (path, attempt) ->
                        attempt == 1
                                ? Answer.status(429, Map.of("Retry-After", "1"))
                                : Answer.ok(IMAGE));
        server.host("b.busy.test", (path, attempt) -> Answer.ok(IMAGE));
        server.host("elsewhere.test", (path, attempt) -> Answer.ok(IMAGE));
        TestImageFetcher fetcher = fetcher(Map.of("fsb.fetch.hosts[0].pattern", "*.busy.test"));
        for (String host : List.of("a.busy.test", "b.busy.test", "elsewhere.test")) {
            fetcher.fetch(server.url(host, "/x.jpg")).get(60, TimeUnit.SECONDS);
        }
        String scrape = registry.scrape();
        assertThat(scrape)
                .contains("fsb_fetch_throttled_total{host_class=\"*.busy.test\"} 1.0")
                .contains("fsb_fetch_throttled_total{host_class=\"other\"} 0.0")
                .contains("fsb_fetch_host_in_flight{host_class=\"*.busy.test\"} 0")
                .contains("fsb_fetch_host_backoff_seconds{host_class=\"other\"} 0")
                .doesNotContain("a.busy.test")
                .doesNotContain("elsewhere.test");
        assertThat(registry.find("fsb.fetch.throttled").counters()).hasSize(2);
    }

    @Test
    void aCancelledQueuedDownloadIsNeverSent() throws Exception {
        server.host("one.test", (path, attempt) -> slowly(Answer.ok(IMAGE), 500));
        TestImageFetcher fetcher = fetcher(Map.of("fsb.fetch.host-concurrency", "1"));
        CompletableFuture<byte[]> first = fetcher.fetch(server.url("one.test", "/first.jpg"));
        CompletableFuture<byte[]> second = fetcher.fetch(server.url("one.test", "/second.jpg"));
        second.cancel(true);
        assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo(IMAGE);
        CompletableFuture<byte[]> third = fetcher.fetch(server.url("one.test", "/third.jpg"));
        assertThat(third.get(60, TimeUnit.SECONDS)).isEqualTo(IMAGE);
        assertThat(server.hits("one.test"))
                .extracting(Hit::path)
                .containsExactly("/first.jpg", "/third.jpg");
    }

    private static Answer slowly(Answer answer, long millis) {
        return new Answer(answer.status(), answer.headers(), answer.body(), millis);
    }

    private void awaitHits(String host, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (server.hits(host).size() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.hits(host)).hasSizeGreaterThanOrEqualTo(count);
    }

    private TestImageFetcher fetcher(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>();
        all.put("fsb.fetch.egress.allow", "*.test");
        all.put("fsb.fetch.retries", "0");
        all.putAll(settings);
        FetchProperties properties =
                new Binder(new MapConfigurationPropertySource(all))
                        .bindOrCreate("fsb.fetch", FetchProperties.class);
        TestImageFetcher fetcher =
                new TestImageFetcher(
                        WebClient.builder(),
                        properties,
                        NO_SUPABASE,
                        JsonMapper.builder().build(),
                        ThrottlingImageServer.RESOLVER,
                        registry);
        fetchers.add(fetcher);
        return fetcher;
    }

    private static ImageRejectedException rejection(CompletableFuture<byte[]> fetched) {
        Throwable failure = catchThrowable(() -> fetched.get(120, TimeUnit.SECONDS));
        assertThat(failure).hasCauseInstanceOf(ImageRejectedException.class);
        return (ImageRejectedException) failure.getCause();
    }
}
