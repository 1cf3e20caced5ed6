package dev.faissshard.checksum;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256, the checksum the service records and checks: of every stored object in the manifest and
 * {@code progress.json}, of each model file, of each upload chunk. A package of its own, below
 * every other, so that the stored index, the embedding models, storage and search can all share it
 * without depending on each other.
 */
public final class Sha256 {

    private Sha256() {}

    /** A fresh digest, for data that streams through in parts. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException("SHA-256 is required by every Java runtime", ex);
        }
    }

    /** The 32 bytes of {@code data}'s digest. */
    public static byte[] of(byte[] data) {
        return digest().digest(data);
    }

    /** {@code data}'s digest as 64 lower-case hex digits. */
    public static String hex(byte[] data) {
        return HexFormat.of().formatHex(of(data));
    }

    /** What {@code digest} has taken in so far, as 64 lower-case hex digits; resets it. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }
}
