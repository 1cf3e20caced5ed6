package dev.faissshard.index;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The id list written beside every shard and segment: one {@code <faiss id>\t<catalogue id>} line
 * per vector, in index order. It maps search hits back to catalogue ids that FAISS cannot hold
 * (UUIDs) and lets a resumed job know what is already indexed without downloading the shards
 * themselves. Catalogue ids containing tabs or newlines are escaped as {@code \t}, {@code \n} and
 * {@code \\}.
 */
public final class IdFile {

    private IdFile() {}

    /** One row of the file. */
    public record Entry(long faissId, String catalogId) {}

    public static byte[] write(List<Entry> entries) {
        StringBuilder out = new StringBuilder(entries.size() * 24);
        for (Entry entry : entries) {
            out.append(entry.faissId()).append('\t').append(escape(entry.catalogId())).append('\n');
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    public static List<Entry> read(byte[] data) {
        List<Entry> entries = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(
                        new InputStreamReader(
                                new ByteArrayInputStream(data), StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isEmpty()) {
                    continue;
                }
                int tab = line.indexOf('\t');
                if (tab < 0) {
                    throw new IllegalArgumentException("id file line " + number + " has no tab");
                }
                entries.add(
                        new Entry(
                                Long.parseLong(line.substring(0, tab)),
                                unescape(line.substring(tab + 1))));
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return entries;
    }

    private static String escape(String id) {
        if (id.indexOf('\\') < 0
                && id.indexOf('\t') < 0
                && id.indexOf('\n') < 0
                && id.indexOf('\r') < 0) {
            return id;
        }
        return id.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r");
    }

    private static String unescape(String id) {
        if (id.indexOf('\\') < 0) {
            return id;
        }
        StringBuilder out = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == '\\' && i + 1 < id.length()) {
                char next = id.charAt(++i);
                out.append(
                        switch (next) {
                            case 't' -> '\t';
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            default -> next;
                        });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
