package dev.faissshard.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A job can always let go of its catalogue: a real FIFO stands for any source that blocks (a writer
 * that never comes, or one that stops writing), read through the CSV reader as a catalogue would
 * be.
 */
class CancellableCatalogTests {

    private static final Duration PROMPTLY = Duration.ofSeconds(30);

    @TempDir Path dir;

    @Test
    void stopWhileTheSourceNeverOpensEndsTheReadPromptly() throws Exception {
        Path fifo = CatalogConfinementTests.mkfifo(dir.resolve("pipe.csv"));
        AtomicBoolean stop = new AtomicBoolean();
        Catalog catalog = new CancellableCatalog(csv(fifo), stop::get);
        assertTimeoutPreemptively(
                PROMPTLY,
                () -> {
                    try (Stream<CatalogEntry> entries = catalog.entries()) {
                        Iterator<CatalogEntry> iterator = entries.iterator();
                        stopSoon(stop);
                        assertThatThrownBy(iterator::hasNext)
                                .isInstanceOf(CatalogReadCancelledException.class);
                    }
                });
    }

    @Test
    void stopWhileTheSourceStallsMidwayEndsTheReadAfterTheRowsAlreadyRead() throws Exception {
        Path fifo = CatalogConfinementTests.mkfifo(dir.resolve("stall.csv"));
        AtomicBoolean stop = new AtomicBoolean();
        Catalog catalog = new CancellableCatalog(csv(fifo), stop::get);
        assertTimeoutPreemptively(
                PROMPTLY,
                () -> {
                    try (Stream<CatalogEntry> entries = catalog.entries();
                            OutputStream writer = Files.newOutputStream(fifo)) {
                        writer.write(
                                "id,image_url\n1,http://127.0.0.1/1.jpg\n2,http://127.0.0.1/2.jpg\n"
                                        .getBytes(StandardCharsets.UTF_8));
                        writer.flush();
                        Iterator<CatalogEntry> iterator = entries.iterator();
                        assertThat(iterator.next().id()).isEqualTo("1");
                        assertThat(iterator.next().id()).isEqualTo("2");
                        stopSoon(stop);
                        assertThatThrownBy(iterator::hasNext)
                                .isInstanceOf(CatalogReadCancelledException.class);
                    }
                });
    }

    @Test
    void sizeOfABlockedSourceIsGivenUpOnStop() throws Exception {
        Path fifo = CatalogConfinementTests.mkfifo(dir.resolve("size.csv"));
        AtomicBoolean stop = new AtomicBoolean();
        Catalog catalog = new CancellableCatalog(csv(fifo), stop::get);
        assertTimeoutPreemptively(
                PROMPTLY,
                () -> {
                    stopSoon(stop);
                    assertThat(catalog.size()).isEmpty();
                });
    }

    @Test
    void anOrdinaryCatalogueIsReadWholeAndItsErrorsPassThrough() throws Exception {
        Path good =
                Files.writeString(
                        dir.resolve("good.csv"), "id,image_url\n1,a.jpg\n2,b.jpg\n3,c.jpg\n");
        Catalog catalog = new CancellableCatalog(csv(good), () -> false);
        try (Stream<CatalogEntry> entries = catalog.entries()) {
            assertThat(entries.map(CatalogEntry::id).toList()).containsExactly("1", "2", "3");
        }
        assertThat(catalog.size()).hasValue(3);
        assertThat(catalog.description()).isEqualTo("csv:" + good);

        Path bad = Files.writeString(dir.resolve("bad.csv"), "id,image_url\n1,a.jpg\n ,b.jpg\n");
        try (Stream<CatalogEntry> entries =
                new CancellableCatalog(csv(bad), () -> false).entries()) {
            Iterator<CatalogEntry> iterator = entries.iterator();
            assertThat(iterator.next().id()).isEqualTo("1");
            assertThatThrownBy(iterator::hasNext)
                    .isInstanceOf(CatalogFormatException.class)
                    .hasMessageContaining("line 3");
        }
    }

    private static Catalog csv(Path file) {
        return new CsvCatalog(
                new CatalogFile(file, 1 << 20), "id", List.of("image_url"), 64 * 1024);
    }

    private static void stopSoon(AtomicBoolean stop) {
        Thread setter =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(200);
                            } catch (InterruptedException ex) {
                                Thread.currentThread().interrupt();
                            }
                            stop.set(true);
                        });
        setter.setDaemon(true);
        setter.start();
    }
}
