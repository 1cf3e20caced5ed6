package dev.faissshard.catalog;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/** A CSV manifest with a header row; streamed, so its size is not limited by memory. */
final class CsvCatalog implements Catalog {

    private final Path file;
    private final String idColumn;
    private final List<String> urlColumns;

    CsvCatalog(Path file, String idColumn, List<String> urlColumns) {
        this.file = file;
        this.idColumn = idColumn;
        this.urlColumns = urlColumns;
    }

    @Override
    public Stream<CatalogEntry> entries() {
        BufferedReader reader;
        try {
            reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new CatalogNotFoundException("Cannot read catalogue " + file + ": " + ex.getMessage());
        }
        Iterator<CatalogEntry> rows = new Rows(new CsvRecordReader(new BomSkippingReader(reader), file.toString()));
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(rows, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(() -> {
                    try {
                        reader.close();
                    }
                    catch (IOException ex) {
                        throw new UncheckedIOException(ex);
                    }
                });
    }

    @Override
    public OptionalLong size() {
        // Counting lines is cheap next to fetching a single image, and makes an ETA possible.
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return OptionalLong.of(Math.max(0, lines.filter(line -> !line.isBlank()).count() - 1));
        }
        catch (IOException | UncheckedIOException ex) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String description() {
        return "csv:" + file;
    }

    private final class Rows implements Iterator<CatalogEntry> {

        private final CsvRecordReader reader;
        private int idIndex = -1;
        private int urlIndex = -1;
        private CatalogEntry next;

        Rows(CsvRecordReader reader) {
            this.reader = reader;
        }

        @Override
        public boolean hasNext() {
            if (next == null) {
                next = read();
            }
            return next != null;
        }

        @Override
        public CatalogEntry next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            CatalogEntry entry = next;
            next = null;
            return entry;
        }

        private CatalogEntry read() {
            try {
                if (idIndex < 0) {
                    readHeader();
                }
                List<String> fields = reader.next();
                if (fields == null) {
                    return null;
                }
                long line = reader.recordLine();
                if (fields.size() <= Math.max(idIndex, urlIndex)) {
                    throw new CatalogFormatException(file + " line " + line + ": expected at least "
                            + (Math.max(idIndex, urlIndex) + 1) + " fields, found " + fields.size());
                }
                String id = fields.get(idIndex).strip();
                if (id.isEmpty()) {
                    throw new CatalogFormatException(file + " line " + line + ": empty id");
                }
                return new CatalogEntry(id, ImageUrls.resolve(fields.get(urlIndex), file, line), ImageUrls.folder(file));
            }
            catch (IOException ex) {
                throw new UncheckedIOException("Cannot read catalogue " + file, ex);
            }
        }

        private void readHeader() throws IOException {
            List<String> header = reader.next();
            if (header == null) {
                throw new CatalogFormatException(file + " is empty; expected a header row such as 'id,image_url'");
            }
            List<String> names = header.stream().map(name -> name.strip().toLowerCase(java.util.Locale.ROOT)).toList();
            idIndex = names.indexOf(idColumn.toLowerCase(java.util.Locale.ROOT));
            for (String candidate : urlColumns) {
                if (urlIndex < 0) {
                    urlIndex = names.indexOf(candidate.toLowerCase(java.util.Locale.ROOT));
                }
            }
            if (idIndex < 0 || urlIndex < 0) {
                throw new CatalogFormatException(file + " line 1: header " + header + " needs an '" + idColumn
                        + "' column and one of " + urlColumns);
            }
        }
    }
}
