package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import java.nio.charset.StandardCharsets;

/**
 * Maps catalogue ids to FAISS's int64 ids. A non-negative integer id is used as it is, so a search
 * hit is the catalogue id itself; any other id (a UUID, a SKU) is hashed to 63 bits, which is
 * stable across runs and machines, and the shard's id file maps it back.
 */
public final class FaissIds {

    private FaissIds() {}

    public static long of(String catalogId) {
        if (isPlainInteger(catalogId)) {
            try {
                return Long.parseLong(catalogId);
            } catch (NumberFormatException tooLarge) {
                // falls through to hashing: larger than int64
            }
        }
        return hash63(catalogId);
    }

    /** Whether the id is stored as itself (so a reader needs no id file to map it back). */
    public static boolean isNative(String catalogId) {
        return isPlainInteger(catalogId) && String.valueOf(of(catalogId)).equals(catalogId);
    }

    private static boolean isPlainInteger(String id) {
        if (id.isEmpty() || id.length() > 19) {
            return false;
        }
        if (id.length() > 1 && id.charAt(0) == '0') {
            return false; // "007" must not collide with "7"
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static long hash63(String id) {
        byte[] digest = Sha256.of(id.getBytes(StandardCharsets.UTF_8));
        long value = 0;
        for (int i = 0; i < 8; i++) {
            value = (value << 8) | (digest[i] & 0xFF);
        }
        return value & Long.MAX_VALUE;
    }
}
