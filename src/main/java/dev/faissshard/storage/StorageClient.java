package dev.faissshard.storage;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An object store laid out like a bucket: keys are {@code /}-separated paths relative to the
 * store's root. Implementations: a local directory (the default) and Supabase Storage.
 *
 * <p>Errors come as the {@link StorageException} family: callers catch what they mean.
 */
public interface StorageClient {

    /**
     * Stores a new immutable object. Fails with {@link ObjectAlreadyExistsException} if the key
     * exists: sealed shards are never rewritten in place.
     */
    void create(String key, byte[] data, String contentType);

    /**
     * Replaces (or creates) a small mutable object such as {@code progress.json} so that a reader
     * sees either the old or the new content, never a mix or a partial file.
     */
    void replace(String key, byte[] data, String contentType);

    /**
     * {@link #create(String, byte[], String)} from a body that may live off the heap; clients that
     * can write it slice by slice do (a shard is a third of the documented heap).
     */
    default void create(String key, ObjectBody body, String contentType) {
        create(key, body.bytes(), contentType);
    }

    /** {@link #replace(String, byte[], String)} from a body that may live off the heap. */
    default void replace(String key, ObjectBody body, String contentType) {
        replace(key, body.bytes(), contentType);
    }

    /** The object's bytes; {@link ObjectNotFoundException} if absent. */
    byte[] get(String key);

    /**
     * The object's bytes as a stream, for objects too large to hold on the heap in passing (the
     * query side's shards); {@link ObjectNotFoundException} if absent. Stores that can stream
     * override this default, which reads the object whole.
     */
    default InputStream open(String key) {
        return new ByteArrayInputStream(get(key));
    }

    /** The object's bytes, or empty if absent. */
    Optional<byte[]> find(String key);

    /** Every object whose key starts with {@code prefix} (recursive), in key order. */
    List<StoredObject> list(String prefix);

    /** Deletes the object; deleting an absent key is not an error. */
    void delete(String key);

    /**
     * Cheap reachability check for health: throws {@link StorageUnavailableException} if
     * unreachable.
     */
    void ping();

    /**
     * The largest object this store accepts, when it is known (a Supabase bucket's {@code
     * file_size_limit}), so that oversized objects are refused before they are built and uploaded.
     */
    default OptionalLong maxObjectBytes() {
        return OptionalLong.empty();
    }

    /** Where this store is, for views and logs; never contains secrets. */
    String description();
}
