package dev.faissshard.index;

/**
 * What a catalogue row's vector was made from, as 64 bits: its image URL and, when the catalogue
 * gives one, its revision ({@code updated_at} or a content hash). A row whose fingerprint differs
 * from the one stored beside its vector is re-embedded. FNV-1a over the text, so the same row gives
 * the same bits on every machine and run; {@link #UNKNOWN} (0) is never a fingerprint: it marks
 * rows stored before fingerprints were kept, which count as unchanged.
 */
public final class RowFingerprint {

    /** No fingerprint recorded (rows stored before fingerprints existed). */
    public static final long UNKNOWN = 0L;

    private static final long OFFSET = 0xcbf29ce484222325L;
    private static final long PRIME = 0x100000001b3L;

    private RowFingerprint() {}

    /** The fingerprint of a row with this URL and revision (null when the catalogue has none). */
    public static long of(String imageUrl, String revision) {
        long hash = OFFSET;
        hash = mix(hash, imageUrl);
        if (revision != null) {
            // A separator no URL holds, so ("a", "b") and ("ab", null) differ.
            hash = (hash ^ 0xFFFF) * PRIME;
            hash = mix(hash, revision);
        }
        return hash == UNKNOWN ? 1L : hash;
    }

    private static long mix(long hash, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            hash = (hash ^ (c & 0xFF)) * PRIME;
            hash = (hash ^ (c >>> 8)) * PRIME;
        }
        return hash;
    }
}
