package dev.faissshard.embedding;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The three kinds of similarity the service indexes. */
public enum IndexType {
    /** Global colour distribution, independent of layout. */
    COLOR,
    /** Edges, shape and layout, independent of colour. */
    STRUCTURE,
    /** Both, weighted. */
    COMBINED;

    /** The name used in object keys ({@code faiss/color_shard_001.faiss}), JSON and metrics. */
    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static IndexType fromKey(String key) {
        for (IndexType type : values()) {
            if (type.key().equalsIgnoreCase(key.trim())) {
                return type;
            }
        }
        throw new IllegalArgumentException(
                "Unknown index type '" + key + "', expected one of color, structure, combined");
    }
}
