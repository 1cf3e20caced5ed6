package dev.faissshard.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingInput;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
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

/**
 * Fetch and decode of a batch with a real decoder: images that arrive are decoded, rejections keep
 * their reason, and an error of no known kind is filed under a transient reason, never as a verdict
 * on the image.
 */
class BatchPreparerTests {

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
                        Runnable::run);
        Stats stats = new Stats();
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
        assertThat(stats.stages).containsKeys(Stage.FETCH, Stage.DECODE);
    }

    private static CatalogEntry entry(String name) {
        return new CatalogEntry(name, URI.create("http://127.0.0.1/" + name + ".jpg"), (Path) null);
    }
}
