package dev.faissshard.catalog;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RFC 4180 records one at a time: quoted fields may hold commas, doubled quotes and line
 * breaks. Tracks the line number where each record starts, for error messages, which never quote
 * the text read. A record longer than {@code maxChars} fails.
 */
final class CsvRecordReader {

    private final Reader in;
    private final String source;
    private final int maxChars;
    private long line = 1;
    private long recordLine;
    private int pushedBack = -2;

    CsvRecordReader(Reader in, String source, int maxChars) {
        this.in = in;
        this.source = source;
        this.maxChars = maxChars;
    }

    /** Line on which the last record returned started. */
    long recordLine() {
        return recordLine;
    }

    /** The next record's fields, or null at the end of the input. Blank lines are skipped. */
    List<String> next() throws IOException {
        int c = read();
        while (c == '\r' || c == '\n') {
            c = read();
        }
        if (c == -1) {
            return null;
        }
        recordLine = line;
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        int length = 0;
        while (true) {
            if (++length > maxChars) {
                // Bounds memory on a file without line breaks (or an endless quoted field).
                throw new CatalogFormatException(
                        source
                                + " line "
                                + recordLine
                                + ": record is longer than fsb.catalog.max-line-length ("
                                + maxChars
                                + " characters)");
            }
            if (quoted) {
                if (c == -1) {
                    throw new CatalogFormatException(
                            source + " line " + recordLine + ": unterminated quoted field");
                }
                if (c == '"') {
                    int next = read();
                    if (next == '"') {
                        field.append('"');
                    } else {
                        quoted = false;
                        c = next;
                        continue;
                    }
                } else {
                    field.append((char) c);
                }
            } else if (c == '"' && field.isEmpty() && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                wasQuoted = false;
            } else if (c == '\n' || c == '\r' || c == -1) {
                if (c == '\r') {
                    int next = read();
                    if (next != '\n') {
                        unread(next);
                    }
                }
                fields.add(field.toString());
                return fields;
            } else if (wasQuoted) {
                throw new CatalogFormatException(
                        source + " line " + line + ": text after a closing quote");
            } else {
                field.append((char) c);
            }
            c = read();
        }
    }

    private int read() throws IOException {
        int c;
        if (pushedBack != -2) {
            c = pushedBack;
            pushedBack = -2;
            return c;
        }
        c = in.read();
        if (c == '\n') {
            line++;
        }
        return c;
    }

    private void unread(int c) {
        pushedBack = c;
    }
}
