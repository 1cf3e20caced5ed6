package dev.faissshard.catalog;

import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines of at most {@code maxChars} characters; a longer line fails without being held whole.
 */
final class LineReader {

    private final Reader in;
    private final int maxChars;
    private final char[] buffer = new char[8192];
    private int position;
    private int limit;
    private long line;

    LineReader(Reader in, int maxChars) {
        this.in = in;
        this.maxChars = maxChars;
    }

    /** Number of the line last returned, from 1. */
    long lineNumber() {
        return line;
    }

    /** The next line without its terminator (LF or CRLF), or null at the end. */
    String next() throws IOException {
        StringBuilder text = new StringBuilder();
        boolean any = false;
        while (true) {
            if (position == limit) {
                limit = in.read(buffer, 0, buffer.length);
                position = 0;
                if (limit <= 0) {
                    limit = 0;
                    if (!any) {
                        return null;
                    }
                    line++;
                    return stripCr(text);
                }
            }
            any = true;
            char c = buffer[position++];
            if (c == '\n') {
                line++;
                return stripCr(text);
            }
            if (text.length() >= maxChars) {
                throw new CatalogFormatException(
                        "line "
                                + (line + 1)
                                + " is longer than fsb.catalog.max-line-length ("
                                + maxChars
                                + " characters)");
            }
            text.append(c);
        }
    }

    private static String stripCr(StringBuilder text) {
        int end = text.length();
        return end > 0 && text.charAt(end - 1) == '\r'
                ? text.substring(0, end - 1)
                : text.toString();
    }
}
