package dev.faissshard.storage;

/**
 * What every store accepts as an object key: a relative {@code /}-separated path with no empty,
 * {@code .} or {@code ..} segment and no backslash, so that a key means the same object in a folder
 * and in a bucket and can never climb out of either.
 */
public final class StorageKeys {

    private StorageKeys() {}

    /**
     * Returns {@code key}, or throws {@link IllegalArgumentException} if no store should take it.
     */
    public static String check(String key) {
        if (key == null
                || key.isEmpty()
                || key.startsWith("/")
                || key.endsWith("/")
                || key.contains("//")
                || key.contains("\\")) {
            throw invalid(key);
        }
        for (String segment : key.split("/")) {
            if (segment.equals(".") || segment.equals("..")) {
                throw invalid(key);
            }
        }
        return key;
    }

    private static IllegalArgumentException invalid(String key) {
        return new IllegalArgumentException("Invalid object key '" + key + "'");
    }
}
