package dev.faissshard.index;

/**
 * An object the manifest names to find its sealed shards (a shard list) is not the one it recorded:
 * readers refuse the index rather than serve a guess.
 */
public class CorruptManifestException extends RuntimeException {

    public CorruptManifestException(String message) {
        super(message);
    }

    public CorruptManifestException(String message, Throwable cause) {
        super(message, cause);
    }
}
