package dev.faissshard.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingInput;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.fetch.FetchProperties;
import dev.faissshard.fetch.ImageFetcher;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.image.ImageProperties;
import dev.faissshard.testimages.JpegSamples;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Fetch and decode of a batch with a real decoder: images that arrive are decoded, rejections keep
 * their reason, and an error of no known kind is filed under a transient reason, never as a verdict
 * on the image.
 */
class BatchPreparerTests {

    private static final FetchProperties FETCH = fetch(Map.of());

    @Test
    void unexpectedErrorsAreTransientAndTypedRejectionsKeepTheirReason() throws Exception {
        byte[] jpeg = JpegSamples.jpegBaseline();
        ImageFetcher fetcher =
                (url, folder) ->
                        switch (url.getPath()) {
                            case "/ok.jpg" -> CompletableFuture.completedFuture(jpeg);
                            case "/missing.jpg" ->
                                    CompletableFuture.failedFuture(
                                            new ImageRejectedException(
                                                    FailureReason.HTTP_STATUS, "status 404"));
                            case "/bug.jpg" ->
                                    CompletableFuture.failedFuture(
                                            new IllegalStateException("a bug quoting <bytes>"));
                            case "/throws.jpg" ->
                                    throw new NullPointerException("thrown before any future");
                            default ->
                                    CompletableFuture.completedFuture(
                                            "<html>not an image</html>".getBytes());
                        };
        BatchPreparer preparer =
                new BatchPreparer(
                        fetcher,
                        new ImageDecoder(new ImageProperties(50_000_000, 128)),
                        Runnable::run,
                        FETCH);
        BuildCounters stats = new BuildCounters();
        PreparedBatch batch =
                preparer.prepare(
                                List.of(
                                        entry("ok"),
                                        entry("missing"),
                                        entry("bug"),
                                        entry("throws"),
                                        entry("page")),
                                new BuildRecorder(
                                        stats, new BuildMetrics(new SimpleMeterRegistry())),
                                EmbeddingInput::of)
                        .get(60, TimeUnit.SECONDS);

        assertThat(batch.entries()).extracting(CatalogEntry::id).containsExactly("ok");
        assertThat(batch.images())
                .singleElement()
                .satisfies(image -> assertThat(image.width()).isPositive());
        Map<String, FailureReason> reasons =
                batch.rejected().stream()
                        .collect(
                                Collectors.toMap(
                                        rejected -> rejected.entry().id(),
                                        PreparedBatch.Rejected::reason));
        assertThat(reasons)
                .containsEntry("missing", FailureReason.HTTP_STATUS)
                .containsEntry("page", FailureReason.NOT_AN_IMAGE)
                .containsEntry("bug", FailureReason.UNEXPECTED_ERROR)
                .containsEntry("throws", FailureReason.UNEXPECTED_ERROR);
        assertThat(FailureReason.UNEXPECTED_ERROR.isTransient()).isTrue();
        assertThat(batch.rejected())
                .allSatisfy(rejected -> assertThat(rejected.detail()).doesNotContain("<bytes>"));
        assertThat(stats.stageSeconds()).containsKeys("fetch", "decode");
    }

    @Test
    void stragglersAreAbandonedAfterTheTailTimeoutAsTransientFailuresAndTheirDownloadsCancelled()
            throws Exception {
        byte[] jpeg = JpegSamples.jpegBaseline();
        CompletableFuture<byte[]> never = new CompletableFuture<>();
        ImageFetcher fetcher =
                (url, folder) ->
                        url.getPath().equals("/slow.jpg")
                                ? never
                                : CompletableFuture.completedFuture(jpeg);
        BatchPreparer preparer =
                new BatchPreparer(
                        fetcher,
                        new ImageDecoder(new ImageProperties(50_000_000, 128)),
                        Runnable::run,
                        fetch(Map.of("fsb.fetch.tail-timeout", "1s")));
        List<CatalogEntry> entries = new java.util.ArrayList<>();
        for (int i = 0; i < 9; i++) {
            entries.add(entry("fast" + i));
        }
        entries.add(5, entry("slow"));
        long start = System.nanoTime();
        PreparedBatch batch =
                preparer.prepare(
                                entries,
                                new BuildRecorder(
                                        new BuildCounters(),
                                        new BuildMetrics(new SimpleMeterRegistry())),
                                EmbeddingInput::of)
                        .get(60, TimeUnit.SECONDS);
        long waited = System.nanoTime() - start;

        assertThat(batch.entries()).hasSize(9).extracting(CatalogEntry::id).doesNotContain("slow");
        assertThat(batch.rejected())
                .singleElement()
                .satisfies(
                        straggler -> {
                            assertThat(straggler.entry().id()).isEqualTo("slow");
                            assertThat(straggler.reason()).isEqualTo(FailureReason.TAIL_TIMEOUT);
                        });
        assertThat(FailureReason.TAIL_TIMEOUT.isTransient()).isTrue();
        // Cancelled right after its outcome is recorded, which may be just after the batch is.
        long cancelDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!never.isCancelled() && System.nanoTime() < cancelDeadline) {
            Thread.sleep(10);
        }
        assertThat(never).as("the abandoned download is cancelled").isCancelled();
        assertThat(waited).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void aBatchWaitsForItsSlowestImageWhenTheTailTimeoutIsOff() throws Exception {
        byte[] jpeg = JpegSamples.jpegBaseline();
        CompletableFuture<byte[]> late = new CompletableFuture<>();
        ImageFetcher fetcher =
                (url, folder) ->
                        url.getPath().equals("/late.jpg")
                                ? late
                                : CompletableFuture.completedFuture(jpeg);
        BatchPreparer preparer =
                new BatchPreparer(
                        fetcher,
                        new ImageDecoder(new ImageProperties(50_000_000, 128)),
                        Runnable::run,
                        fetch(Map.of("fsb.fetch.tail-timeout", "0s")));
        CompletableFuture<PreparedBatch> prepared =
                preparer.prepare(
                        List.of(entry("a"), entry("late"), entry("b")),
                        new BuildRecorder(
                                new BuildCounters(), new BuildMetrics(new SimpleMeterRegistry())),
                        EmbeddingInput::of);
        Thread.sleep(1500);
        assertThat(prepared).isNotDone();
        CompletableFuture.delayedExecutor(100, TimeUnit.MILLISECONDS)
                .execute(() -> late.complete(jpeg));
        assertThat(prepared.get(60, TimeUnit.SECONDS).entries())
                .extracting(CatalogEntry::id)
                .containsExactly("a", "late", "b");
    }

    private static FetchProperties fetch(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("fsb.fetch", FetchProperties.class);
    }

    private static CatalogEntry entry(String name) {
        return new CatalogEntry(name, URI.create("http://127.0.0.1/" + name + ".jpg"), (Path) null);
    }
}
