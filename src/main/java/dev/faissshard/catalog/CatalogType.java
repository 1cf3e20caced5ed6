package dev.faissshard.catalog;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a catalogue is read. */
public enum CatalogType {
    /**
     * Chosen from the location: a directory is a folder, {@code .jsonl}/{@code .ndjson} JSONL, else
     * CSV.
     */
    AUTO,
    /** A CSV manifest with a header row naming an id and a URL column. */
    CSV,
    /** One JSON object per line with an id and a URL field. */
    JSONL,
    /** Every image file under a folder. */
    FOLDER,
    /** A table read through Supabase's PostgREST API; the location is the table name. */
    SUPABASE,
    /** A table read directly from PostgreSQL over JDBC; the location is the table name. */
    POSTGRES;

    /** Whether the location names a database table rather than a file or folder. */
    public boolean isTable() {
        return this == SUPABASE || this == POSTGRES;
    }

    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static CatalogType fromKey(String key) {
        return valueOf(key.trim().toUpperCase(Locale.ROOT));
    }
}
