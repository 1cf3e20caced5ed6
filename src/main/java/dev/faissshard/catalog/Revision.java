package dev.faissshard.catalog;

import java.util.List;

/**
 * A row's revision, from the optional columns a catalogue may carry beside the image URL: {@code
 * updated_at} and {@code content_hash}. When either changes, the row's image is embedded again even
 * if its URL stayed (an image replaced in place). Compared as text, never parsed.
 */
final class Revision {

    /** The columns (CSV) or fields (JSONL) read, when present. */
    static final List<String> COLUMNS = List.of("updated_at", "content_hash");

    private Revision() {}

    /** The revision of one row from the values of {@link #COLUMNS} (null where absent). */
    static String of(List<String> values) {
        StringBuilder revision = null;
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (value == null || value.isBlank()) {
                continue;
            }
            if (revision == null) {
                revision = new StringBuilder();
            }
            revision.append(COLUMNS.get(i)).append('=').append(value.strip()).append('\n');
        }
        return revision == null ? null : revision.toString();
    }
}
