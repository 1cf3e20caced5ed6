package dev.faissshard.catalog;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * A CSV manifest with a header row; streamed, so its size is not limited by memory, and read within
 * the configured bounds (file size, record length). Errors name the line and the column, never the
 * text.
 */
final class CsvCatalog implements Catalog {

    private final CatalogFile file;
    private final String idColumn;
    private final List<String> urlColumns;
    private final int maxLineChars;

    CsvCatalog(CatalogFile file, String idColumn, List<String> urlColumns, int maxLineChars) {
        this.file = file;
        this.idColumn = idColumn;
        this.urlColumns = urlColumns;
        this.maxLineChars = maxLineChars;
    }

    @Override
    public Stream<CatalogEntry> entries() {
        Reader reader = file.open();
        Iterator<CatalogEntry> rows =
                new Rows(new CsvRecordReader(reader, file.path().toString(), maxLineChars));
        return file.stream(reader, rows);
    }

    @Override
    public OptionalLong size() {
        // Counting lines is cheap next to fetching a single image, and makes an ETA possible.
        OptionalLong lines = file.nonBlankLines();
        return lines.isPresent() ? OptionalLong.of(Math.max(0, lines.getAsLong() - 1)) : lines;
    }

    @Override
    public String description() {
        return "csv:" + file.path();
    }

    private final class Rows implements Iterator<CatalogEntry> {

        private final CsvRecordReader reader;
        private int idIndex = -1;
        private int urlIndex = -1;

        /** Positions of {@link Revision#COLUMNS} in the header, -1 where absent. */
        private final int[] revisionIndexes = new int[Revision.COLUMNS.size()];

        private String urlColumn;
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
                    throw new CatalogFormatException(
                            where(line)
                                    + ": expected at least "
                                    + (Math.max(idIndex, urlIndex) + 1)
                                    + " fields, found "
                                    + fields.size());
                }
                String id = fields.get(idIndex).strip();
                if (id.isEmpty()) {
                    throw new CatalogFormatException(
                            where(line) + ", column " + idColumn + ": empty id");
                }
                return new CatalogEntry(
                        id,
                        imageUrl(fields.get(urlIndex), line),
                        ImageUrls.folder(file.path()),
                        revision(fields));
            } catch (IOException ex) {
                throw file.unreadable(ex);
            }
        }

        // Never fails the catalogue: a URL that is empty or malformed fails its own row as
        // invalid_url.
        private URI imageUrl(String text, long line) {
            return ImageUrls.resolve(text, file.path(), line);
        }

        private String revision(List<String> fields) {
            java.util.List<String> values = new java.util.ArrayList<>(revisionIndexes.length);
            for (int index : revisionIndexes) {
                values.add(index >= 0 && index < fields.size() ? fields.get(index) : null);
            }
            return Revision.of(values);
        }

        private void readHeader() throws IOException {
            List<String> header = reader.next();
            if (header == null) {
                throw new CatalogFormatException(
                        file.path() + " is empty; expected a header row such as 'id,image_url'");
            }
            List<String> names =
                    header.stream().map(name -> name.strip().toLowerCase(Locale.ROOT)).toList();
            idIndex = names.indexOf(idColumn.toLowerCase(Locale.ROOT));
            for (int i = 0; i < revisionIndexes.length; i++) {
                revisionIndexes[i] = names.indexOf(Revision.COLUMNS.get(i));
            }
            for (String candidate : urlColumns) {
                if (urlIndex < 0) {
                    urlIndex = names.indexOf(candidate.toLowerCase(Locale.ROOT));
                    urlColumn = candidate;
                }
            }
            if (idIndex < 0 || urlIndex < 0) {
                throw new CatalogFormatException(
                        where(reader.recordLine())
                                + ": the header row needs an '"
                                + idColumn
                                + "' column and one of "
                                + urlColumns);
            }
        }

        private String where(long line) {
            return file.path() + " line " + line;
        }
    }
}
