package dev.faissshard.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a job does to its index ({@code operation} of {@code POST /jobs}). */
public enum JobOperation {
    /** Reads the catalogue and adds what the index does not hold yet (the default). */
    BUILD,
    /**
     * Merges small sealed shards and the open tail into byte-bounded shards, leaving deleted
     * vectors out.
     */
    COMPACT,
    /** Records {@code deleteIds} as deleted: readers and search skip them from then on. */
    DELETE;

    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static JobOperation fromKey(String key) {
        return valueOf(key.toUpperCase(Locale.ROOT));
    }
}
