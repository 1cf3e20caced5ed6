package dev.faissshard.catalog;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A catalogue file opened for reading within bounds: at most {@code maxBytes} are read (a larger
 * file fails with a {@link CatalogFormatException} instead of filling memory or running forever),
 * through a {@link FileChannel}, whose reads end with an exception when the reading thread is
 * interrupted.
 */
final class CatalogFile {

    private final Path file;
    private final long maxBytes;

    CatalogFile(Path file, long maxBytes) {
        this.file = file;
        this.maxBytes = maxBytes;
    }

    Path path() {
        return file;
    }

    /** UTF-8 text without a leading byte-order mark. */
    Reader open() {
        try {
            InputStream in =
                    new Capped(
                            Channels.newInputStream(
                                    FileChannel.open(file, StandardOpenOption.READ)),
                            file,
                            maxBytes);
            return new BomSkippingReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException ex) {
            throw new CatalogNotFoundException(
                    "Catalogue "
                            + file
                            + " cannot be opened ("
                            + ex.getClass().getSimpleName()
                            + ")");
        }
    }

    /**
     * The entries {@code rows} reads from {@code reader} (one {@link #open()} returned), as a
     * stream that closes the reader when it is closed.
     */
    Stream<CatalogEntry> stream(Reader reader, Iterator<CatalogEntry> rows) {
        return StreamSupport.stream(
                        Spliterators.spliteratorUnknownSize(
                                rows, Spliterator.ORDERED | Spliterator.NONNULL),
                        false)
                .onClose(
                        () -> {
                            try {
                                reader.close();
                            } catch (IOException ex) {
                                throw new UncheckedIOException(ex);
                            }
                        });
    }

    /** A read of the open file failed: named by its type only, as every catalogue error is. */
    CatalogNotFoundException unreadable(IOException failure) {
        return new CatalogNotFoundException(
                "Catalogue "
                        + file
                        + " could not be read ("
                        + failure.getClass().getSimpleName()
                        + ")");
    }

    /**
     * Lines holding something other than blanks, counted on bytes; empty when the file cannot be
     * read whole.
     */
    OptionalLong nonBlankLines() {
        try (InputStream in =
                new Capped(
                        Channels.newInputStream(FileChannel.open(file, StandardOpenOption.READ)),
                        file,
                        maxBytes)) {
            byte[] buffer = new byte[64 * 1024];
            long lines = 0;
            boolean content = false;
            int n;
            while ((n = in.read(buffer)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buffer[i];
                    if (b == '\n') {
                        lines += content ? 1 : 0;
                        content = false;
                    } else if (b != ' ' && b != '\t' && b != '\r') {
                        content = true;
                    }
                }
            }
            return OptionalLong.of(lines + (content ? 1 : 0));
        } catch (IOException | RuntimeException ex) {
            return OptionalLong.empty();
        }
    }

    /** Fails on the first byte past the bound. */
    private static final class Capped extends FilterInputStream {

        private final Path file;
        private final long maxBytes;
        private long read;

        Capped(InputStream in, Path file, long maxBytes) {
            super(in);
            this.file = file;
            this.maxBytes = maxBytes;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, (int) Math.min(length, maxBytes - read + 1));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) {
            read += n;
            if (read > maxBytes) {
                throw new CatalogFormatException(
                        file + " is larger than fsb.catalog.max-size (" + maxBytes + " bytes)");
            }
        }
    }
}
