package dev.faissshard.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Which files a catalogue may come from, and how much of them is read: real files and folders, with
 * a planted secret outside (and inside) the allowed root that must never appear in any message.
 */
class CatalogConfinementTests {

    private static final Duration PROMPTLY = Duration.ofSeconds(30);

    @TempDir Path temp;

    private Path root;
    private Path outside;
    private String secret;
    private CatalogFactory factory;

    @BeforeEach
    void plantASecretOutsideTheRoot() throws IOException {
        root = Files.createDirectories(temp.resolve("catalogues/allowed"));
        outside = Files.createDirectories(temp.resolve("private"));
        secret = "PLANTED_SECRET_" + UUID.randomUUID();
        Files.writeString(
                outside.resolve("secret.csv"),
                "id,image_url\n1,http://127.0.0.1/" + secret + ".jpg\n");
        factory = factory(root, DataSize.ofKilobytes(1), DataSize.ofKilobytes(64));
    }

    @Test
    void absolutePathsOutsideTheRootAreRefusedAlike() {
        for (String location :
                List.of(
                        "/proc/self/environ",
                        "/etc/passwd",
                        "/dev/zero",
                        outside.resolve("secret.csv").toString(),
                        outside.resolve("missing.csv").toString(),
                        "/")) {
            assertRefused(location);
        }
    }

    @Test
    void dotDotEscapesAreRefusedEvenWhenTheyWouldLandInside() throws IOException {
        Files.writeString(root.resolve("ok.csv"), "id,image_url\n");
        assertRefused("../../../etc/passwd");
        assertRefused("../private/secret.csv");
        assertRefused(root.resolve("../allowed/ok.csv").toString());
        assertRefused("sub/../ok.csv");
        assertThat(factory.openRequested(new CatalogSpec(CatalogType.AUTO, "ok.csv")).description())
                .as("relative locations resolve against the first root")
                .isEqualTo("csv:" + root.toRealPath().resolve("ok.csv"));
    }

    @Test
    void symlinksOutOfTheRootAreRefused() throws IOException {
        Files.createSymbolicLink(root.resolve("link.csv"), outside.resolve("secret.csv"));
        Files.createSymbolicLink(root.resolve("linked-folder"), outside);
        Files.createSymbolicLink(root.resolve("dangling.csv"), outside.resolve("missing.csv"));
        assertRefused(root.resolve("link.csv").toString());
        assertRefused("link.csv");
        assertRefused("linked-folder/secret.csv");
        assertRefused("linked-folder");
        assertRefused("dangling.csv");
    }

    @Test
    void fifoInsideTheRootIsRefusedWithoutBeingOpened() throws Exception {
        Path fifo = mkfifo(root.resolve("pipe.csv"));
        // Opening a FIFO without a writer blocks forever: the check must not open it.
        assertTimeoutPreemptively(PROMPTLY, () -> assertRefused(fifo.toString()));
    }

    @Test
    void devicesAndKernelFilesAreRefusedEvenUnderARootThatHoldsThem() {
        CatalogLocations dev = new CatalogLocations(List.of(Path.of("/dev")));
        assertThatThrownBy(() -> dev.requested("/dev/zero"))
                .isInstanceOf(CatalogLocationRefusedException.class);
        assertThatThrownBy(() -> dev.requested("/dev/null"))
                .isInstanceOf(CatalogLocationRefusedException.class);
        CatalogLocations proc = new CatalogLocations(List.of(Path.of("/proc")));
        assertThatThrownBy(() -> proc.requested("/proc/self/environ"))
                .isInstanceOf(CatalogLocationRefusedException.class);
        assertThatThrownBy(() -> proc.requested("/proc/self/cmdline"))
                .isInstanceOf(CatalogLocationRefusedException.class);
        assertThatThrownBy(() -> proc.requested("/proc/self"))
                .isInstanceOf(CatalogLocationRefusedException.class);
    }

    @Test
    void theConfiguredCatalogueIsTrustedButMustBeARegularFileOrFolder() throws Exception {
        Path fifo = mkfifo(temp.resolve("default-pipe.csv"));
        assertThat(CatalogLocations.configured(outside.resolve("secret.csv").toString()))
                .isEqualTo(outside.resolve("secret.csv").toRealPath());
        assertTimeoutPreemptively(
                PROMPTLY,
                () -> {
                    assertThatThrownBy(() -> CatalogLocations.configured("/dev/zero"))
                            .isInstanceOf(CatalogNotFoundException.class)
                            .hasMessageContaining("regular file or folder");
                    assertThatThrownBy(() -> CatalogLocations.configured(fifo.toString()))
                            .isInstanceOf(CatalogNotFoundException.class);
                });
    }

    @Test
    void directoryWhereAFileIsExpectedIsRefusedByItsType() throws IOException {
        Files.createDirectories(root.resolve("images"));
        assertThatThrownBy(() -> factory.openRequested(new CatalogSpec(CatalogType.CSV, "images")))
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("a folder but was declared csv");
        assertThat(factory.openRequested(new CatalogSpec(CatalogType.AUTO, "images")).description())
                .startsWith("folder:");
    }

    @Test
    void noRootsMeansNoFileFromARequest() throws IOException {
        CatalogProperties tables =
                new CatalogProperties(CatalogType.SUPABASE, "images", "id", List.of("image_url"));
        assertThat(tables.roots()).isEmpty();
        Files.writeString(root.resolve("ok.csv"), "id,image_url\n");
        assertThatThrownBy(
                        () ->
                                new CatalogLocations(tables.roots())
                                        .requested(root.resolve("ok.csv").toString()))
                .isInstanceOf(CatalogLocationRefusedException.class);
    }

    @Test
    void defaultRootIsTheConfiguredCataloguesFolder() throws IOException {
        Path manifest = Files.writeString(root.resolve("catalog.csv"), "id,image_url\n");
        assertThat(
                        new CatalogProperties(
                                        CatalogType.AUTO, manifest.toString(), "id", List.of("url"))
                                .roots())
                .containsExactly(root);
        assertThat(
                        new CatalogProperties(
                                        CatalogType.AUTO, root.toString(), "id", List.of("url"))
                                .roots())
                .as("a folder catalogue is its own root")
                .containsExactly(root);
    }

    @Test
    void aHugeSingleLineFailsAtTheBoundWithoutBeingQuoted() throws IOException {
        String line = secret.repeat(64 * 1024 / secret.length() + 2);
        Path csv = Files.writeString(root.resolve("huge.csv"), "id,image_url\n1," + line + "\n");
        Path jsonl =
                Files.writeString(
                        root.resolve("huge.jsonl"), "{\"id\":1,\"url\":\"" + line + "\"}\n");
        assertThatThrownBy(
                        () ->
                                readAll(
                                        factory(
                                                root,
                                                DataSize.ofKilobytes(1),
                                                DataSize.ofMegabytes(16)),
                                        csv))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 2")
                .hasMessageContaining("fsb.catalog.max-line-length")
                .hasMessageNotContaining(secret);
        assertThatThrownBy(
                        () ->
                                readAll(
                                        factory(
                                                root,
                                                DataSize.ofKilobytes(1),
                                                DataSize.ofMegabytes(16)),
                                        jsonl))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("fsb.catalog.max-line-length")
                .hasMessageNotContaining(secret);
    }

    @Test
    void aFileLargerThanTheBoundFailsThereAndItsSizeIsUnknown() throws IOException {
        Path csv =
                Files.writeString(
                        root.resolve("large.csv"), "id,image_url\n" + "\n".repeat(70 * 1024));
        Catalog catalog = factory.openRequested(new CatalogSpec(CatalogType.AUTO, csv.toString()));
        assertThat(catalog.size()).isEmpty();
        assertThatThrownBy(() -> readAll(factory, csv))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("fsb.catalog.max-size");
    }

    @Test
    void parseErrorsSayWhereAndWhatButNeverQuoteTheFile() throws IOException {
        Path header = Files.writeString(root.resolve("header.csv"), secret + ",other\n1,2\n");
        Path json =
                Files.writeString(
                        root.resolve("bad.jsonl"),
                        "{\"id\":1,\"url\":\"a.jpg\"}\n{\"id\": " + secret + "}\n");
        Path notObject = Files.writeString(root.resolve("array.jsonl"), "[\"" + secret + "\"]\n");
        Path url =
                Files.writeString(
                        root.resolve("url.csv"),
                        "id,image_url\n1,\"http://exa mple/" + secret + "\"\n");
        Path quote =
                Files.writeString(
                        root.resolve("quote.csv"), "id,image_url\n1,\"a\"" + secret + "\n");
        assertThatThrownBy(() -> readAll(factory, header))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 1")
                .hasMessageContaining("header")
                .hasMessageNotContaining(secret);
        assertThatThrownBy(() -> readAll(factory, json))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 2 column")
                .hasMessageContaining("invalid JSON")
                .hasMessageNotContaining(secret)
                .hasNoCause();
        assertThatThrownBy(() -> readAll(factory, notObject))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageNotContaining(secret);
        // A malformed URL fails its own row (invalid_url) when fetched; its stand-in quotes nothing
        // of it.
        assertThat(readAll(factory, url))
                .singleElement()
                .satisfies(
                        entry -> {
                            assertThat(entry.imageUrl().getScheme()).isEqualTo("invalid-url");
                            assertThat(entry.imageUrl().toString()).doesNotContain(secret);
                        });
        assertThatThrownBy(() -> readAll(factory, quote))
                .isInstanceOf(CatalogFormatException.class)
                .hasMessageContaining("line 2")
                .hasMessageNotContaining(secret);
    }

    @Test
    void folderCataloguesDoNotFollowSymlinksOut() throws IOException {
        Files.write(root.resolve("a.jpg"), new byte[] {1});
        Files.write(outside.resolve("b.jpg"), new byte[] {1});
        Files.createSymbolicLink(root.resolve("b.jpg"), outside.resolve("b.jpg"));
        Files.createSymbolicLink(root.resolve("more"), outside);
        try (Stream<CatalogEntry> entries =
                factory.openRequested(new CatalogSpec(CatalogType.FOLDER, root.toString()))
                        .entries()) {
            assertThat(entries.map(CatalogEntry::id).toList()).containsExactly("a");
        }
    }

    private void assertRefused(String location) {
        for (CatalogType type : List.of(CatalogType.AUTO, CatalogType.CSV, CatalogType.FOLDER)) {
            assertThatThrownBy(() -> factory.openRequested(new CatalogSpec(type, location)))
                    .as(location)
                    .isInstanceOf(CatalogLocationRefusedException.class)
                    .hasMessage(CatalogLocationRefusedException.MESSAGE);
        }
    }

    private static List<CatalogEntry> readAll(CatalogFactory factory, Path file) {
        try (Stream<CatalogEntry> entries =
                factory.openRequested(new CatalogSpec(CatalogType.AUTO, file.toString()))
                        .entries()) {
            return entries.toList();
        }
    }

    static Path mkfifo(Path path) throws IOException, InterruptedException {
        Process mkfifo = new ProcessBuilder("mkfifo", path.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        return path;
    }

    private static CatalogFactory factory(Path root, DataSize unused, DataSize maxSize) {
        return LocalCatalogTests.factory(
                new CatalogProperties(
                        CatalogType.AUTO,
                        root.resolve("default.csv").toString(),
                        "id",
                        List.of("image_url", "url"),
                        List.of(root.toString()),
                        DataSize.ofKilobytes(64),
                        maxSize));
    }
}
