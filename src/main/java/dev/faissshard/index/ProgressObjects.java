package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.storage.StorageClient;
import java.util.function.BiPredicate;

/**
 * Reads an object that {@code progress.json} names with its checksum (shard chunks, failure-log
 * chunks, chunk lists): refused unless its key is of the expected kind, it exists, and its bytes
 * match the recorded sha256, so a resumed build never trusts storage that changed under it.
 */
final class ProgressObjects {

    private ProgressObjects() {}

    static byte[] readVerified(
            IndexLayout layout,
            StorageClient storage,
            String file,
            String sha256,
            BiPredicate<IndexLayout, String> isKind,
            String kind) {
        String key = layout.absolute(file);
        if (!isKind.test(layout, key)) {
            throw new CorruptProgressException(file + " named by progress.json is not a " + kind);
        }
        byte[] data =
                storage.find(key)
                        .orElseThrow(
                                () ->
                                        new CorruptProgressException(
                                                key + " named by progress.json is missing"));
        if (!Sha256.hex(data).equals(sha256)) {
            throw new CorruptProgressException(
                    key + " does not match the checksum recorded in progress.json");
        }
        return data;
    }
}
