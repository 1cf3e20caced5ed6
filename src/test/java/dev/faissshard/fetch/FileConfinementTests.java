package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.supabase.SupabaseProperties;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import org.springframework.web.reactive.function.client.WebClient;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code file:} image URLs read only regular files under allowed folders, bounded while reading.
 */
class FileConfinementTests {

    private static final int MAX_BYTES = 4096;

    @TempDir Path dir;

    private Path catalogue;
    private TestImageFetcher fetcher;

    @BeforeEach
    void setUp() throws Exception {
        catalogue = Files.createDirectories(dir.resolve("catalogue"));
        Files.write(
                catalogue.resolve("inside.jpg"), "image bytes".getBytes(StandardCharsets.US_ASCII));
        Files.write(
                dir.resolve("outside-secret.txt"),
                "SECRET-OUTSIDE".getBytes(StandardCharsets.US_ASCII));
        fetcher = fetcher(List.of());
    }

    @AfterEach
    void tearDown() {
        fetcher.destroy();
    }

    @Test
    void aFileInTheCatalogueFolderIsRead() throws Exception {
        assertThat(
                        fetcher.fetch(catalogue.resolve("inside.jpg").toUri(), catalogue)
                                .get(10, TimeUnit.SECONDS))
                .asString(StandardCharsets.US_ASCII)
                .isEqualTo("image bytes");
    }

    @Test
    void filesOutsideTheAllowedFoldersAreRefusedWithoutQuotingThem() throws Exception {
        for (URI url :
                List.of(
                        dir.resolve("outside-secret.txt").toUri(),
                        catalogue.resolve("../outside-secret.txt").toUri(),
                        catalogue.resolve("../../../../../../etc/hostname").toUri(),
                        URI.create("file:///etc/passwd"),
                        URI.create("file:///proc/self/environ"),
                        URI.create("file:///etc/no-such-file-anywhere"))) {
            ImageRejectedException failure = failure(fetcher.fetch(url, catalogue));
            assertThat(failure.reason()).as(url.toString()).isEqualTo(FailureReason.FILE_REFUSED);
            assertThat(failure.reason().isTransient()).isFalse();
            assertThat(failure.detail()).doesNotContain("SECRET").doesNotContain("root:");
        }
    }

    @Test
    void withoutACatalogueFolderOnlyConfiguredRootsAreAllowed() throws Exception {
        assertThat(failure(fetcher.fetch(catalogue.resolve("inside.jpg").toUri())).reason())
                .isEqualTo(FailureReason.FILE_REFUSED);
        fetcher.destroy();
        fetcher = fetcher(List.of(catalogue));
        assertThat(fetcher.fetch(catalogue.resolve("inside.jpg").toUri()).get(10, TimeUnit.SECONDS))
                .hasSize(11);
    }

    @Test
    void aSymbolicLinkOutOfTheRootIsRefusedAndOneInsideIsFollowed() throws Exception {
        Path out =
                Files.createSymbolicLink(
                        catalogue.resolve("link.jpg"), dir.resolve("outside-secret.txt"));
        Path folderLink = Files.createSymbolicLink(catalogue.resolve("etc"), Path.of("/etc"));
        Path in =
                Files.createSymbolicLink(
                        catalogue.resolve("alias.jpg"), catalogue.resolve("inside.jpg"));
        ImageRejectedException failure = failure(fetcher.fetch(out.toUri(), catalogue));
        assertThat(failure.reason()).isEqualTo(FailureReason.FILE_REFUSED);
        assertThat(failure.detail()).contains("symbolic link");
        assertThat(
                        failure(fetcher.fetch(folderLink.resolve("hostname").toUri(), catalogue))
                                .reason())
                .isEqualTo(FailureReason.FILE_REFUSED);
        assertThat(fetcher.fetch(in.toUri(), catalogue).get(10, TimeUnit.SECONDS)).hasSize(11);
    }

    @Test
    void procDevAndOtherNonRegularFilesAreRefusedEvenUnderAnAllowedRoot() throws Exception {
        fetcher.destroy();
        fetcher = fetcher(List.of(Path.of("/")));
        Path fifo = catalogue.resolve("pipe.jpg");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        for (URI url :
                List.of(
                        URI.create("file:///proc/self/mem"),
                        URI.create("file:///proc/self/environ"),
                        URI.create("file:///dev/zero"),
                        URI.create("file:///dev/urandom"),
                        fifo.toUri(),
                        catalogue.toUri())) {
            ImageRejectedException failure = failure(fetcher.fetch(url, catalogue));
            assertThat(failure.reason()).as(url.toString()).isEqualTo(FailureReason.FILE_REFUSED);
            assertThat(failure.detail()).contains("not a regular file");
        }
    }

    @Test
    void theSizeLimitIsEnforcedWhileReading() throws Exception {
        Path large = Files.write(catalogue.resolve("large.jpg"), new byte[MAX_BYTES + 1]);
        Path exact = Files.write(catalogue.resolve("exact.jpg"), new byte[MAX_BYTES]);
        assertThat(failure(fetcher.fetch(large.toUri(), catalogue)).reason())
                .isEqualTo(FailureReason.TOO_LARGE);
        assertThat(fetcher.fetch(exact.toUri(), catalogue).get(10, TimeUnit.SECONDS))
                .hasSize(MAX_BYTES);
    }

    @Test
    void aMissingFileInsideTheRootIsNotFound() throws Exception {
        assertThat(
                        failure(fetcher.fetch(catalogue.resolve("gone.jpg").toUri(), catalogue))
                                .reason())
                .isEqualTo(FailureReason.NOT_FOUND);
    }

    private TestImageFetcher fetcher(List<Path> roots) {
        SupabaseProperties noSupabase =
                new SupabaseProperties(
                        null,
                        null,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(60),
                        new SupabaseProperties.Retry(
                                1, Duration.ofMillis(100), Duration.ofSeconds(1), 2.0));
        return new TestImageFetcher(
                WebClient.builder(),
                new FetchProperties(
                        2,
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(2),
                        Duration.ofSeconds(10),
                        DataSize.ofBytes(MAX_BYTES),
                        3,
                        0,
                        "fsb-test",
                        new FetchProperties.Egress(List.of(), List.of()),
                        new FetchProperties.Files(true, roots),
                        8,
                        0,
                        List.of(),
                        Duration.ofMinutes(5),
                        Duration.ofSeconds(1),
                        Duration.ofMinutes(2),
                        Duration.ZERO),
                noSupabase,
                JsonMapper.builder().build());
    }

    private static ImageRejectedException failure(CompletableFuture<byte[]> fetched)
            throws Exception {
        try {
            byte[] body = fetched.get(10, TimeUnit.SECONDS);
            return fail("expected a refusal, got %d bytes", body.length);
        } catch (ExecutionException ex) {
            assertThat(ex.getCause()).isInstanceOf(ImageRejectedException.class);
            return (ImageRejectedException) ex.getCause();
        }
    }
}
