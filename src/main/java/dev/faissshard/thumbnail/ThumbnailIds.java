package dev.faissshard.thumbnail;

/**
 * The ids a thumbnail request may name, checked before any catalogue is read: 1 to {@value
 * #MAX_LENGTH} characters, none of them a control character or a path separator. Catalogue ids are
 * the catalogue's own text (integers, SKUs, UUIDs), so nothing narrower is assumed.
 */
final class ThumbnailIds {

    /** Longest id accepted, as for a search by id. */
    static final int MAX_LENGTH = 1024;

    private ThumbnailIds() {}

    /** Why the id cannot be a catalogue id, or null when it can. */
    static String invalidReason(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
            return "must be 1 to " + MAX_LENGTH + " characters";
        }
        if (id.isBlank()) {
            return "must not be blank";
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c)
                    || c == '/'
                    || c == '\\'
                    || Character.isSurrogate(c) && !validSurrogateAt(id, i)) {
                return "must not contain control characters, path separators or broken characters";
            }
        }
        return null;
    }

    private static boolean validSurrogateAt(String id, int i) {
        char c = id.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < id.length() && Character.isLowSurrogate(id.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(id.charAt(i - 1));
    }
}
