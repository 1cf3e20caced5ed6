package dev.faissshard.index;

import dev.faissshard.storage.ObjectBody;

/**
 * An object an open index has produced but not yet uploaded; the next commit uploads it before it
 * writes {@code progress.json}.
 *
 * @param kind shard, segment or ids, as the upload metrics tag it
 * @param key absolute object key
 * @param body the bytes (a sealed shard's in native memory, freed once the commit stored it)
 * @param contentType MIME type
 * @param immutable a sealed shard or its id file: created once, never overwritten by the same
 *     content
 */
record PendingObject(
        String kind, String key, ObjectBody body, String contentType, boolean immutable) {

    PendingObject(String kind, String key, byte[] data, String contentType, boolean immutable) {
        this(kind, key, ObjectBody.of(data), contentType, immutable);
    }
}
