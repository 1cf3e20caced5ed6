package dev.faissshard.catalog;

import java.io.FilterReader;
import java.io.IOException;
import java.io.Reader;

/** Drops a leading UTF-8 byte-order mark, which spreadsheet exports like to add. */
final class BomSkippingReader extends FilterReader {

    private boolean started;

    BomSkippingReader(Reader in) {
        super(in);
    }

    @Override
    public int read() throws IOException {
        int c = super.read();
        if (!started) {
            started = true;
            if (c == '\uFEFF') {
                c = super.read();
            }
        }
        return c;
    }

    @Override
    public int read(char[] buffer, int offset, int length) throws IOException {
        int n = 0;
        while (n < length) {
            int c = read();
            if (c == -1) {
                return n == 0 ? -1 : n;
            }
            buffer[offset + n++] = (char) c;
            if (!ready()) {
                break;
            }
        }
        return n;
    }
}
