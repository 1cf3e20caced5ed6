package dev.faissshard.storage;

import dev.faissshard.checksum.Sha256;
import java.nio.ByteBuffer;
import java.security.MessageDigest;

/**
 * The bytes of an object to store, wherever they are held. A sealed shard is as large as {@code
 * fsb.shard.max-bytes} (45 MB by default), a third of the documented heap: serialized into a heap
 * array next to the batches in flight, it ran a 30,000-image build out of memory at its first seal.
 * So a shard stays in the native memory it was serialized into (freed at once when closed, never
 * kept resident the way touched heap pages are), and storage reads it slice by slice.
 */
public interface ObjectBody extends AutoCloseable {

    /** Slices of at most this many bytes: what storage writes or hashes at once. */
    int SLICE = 1 << 20;

    /** Bytes of the object. */
    long size();

    /**
     * A read-only view of {@code length} bytes from {@code offset}, valid until the body is closed.
     */
    ByteBuffer slice(long offset, int length);

    /** Copies {@code length} bytes from {@code offset} into {@code target} at {@code at}. */
    default void copy(long offset, byte[] target, int at, int length) {
        slice(offset, length).get(target, at, length);
    }

    /** The whole object on the heap: only for objects known to be small. */
    default byte[] bytes() {
        byte[] out = new byte[Math.toIntExact(size())];
        copy(0, out, 0, out.length);
        return out;
    }

    /** The SHA-256 of the bytes, lower-case hex, as manifests and progress record it. */
    default String sha256() {
        MessageDigest digest = Sha256.digest();
        for (long offset = 0; offset < size(); offset += SLICE) {
            digest.update(slice(offset, (int) Math.min(SLICE, size() - offset)));
        }
        return Sha256.hex(digest);
    }

    /** Frees what holds the bytes; a heap body has nothing to free. */
    @Override
    default void close() {}

    /** A body over a heap array (not copied: the caller must not change it). */
    static ObjectBody of(byte[] data) {
        return new HeapBody(data);
    }

    /** The bytes of a heap array. */
    final class HeapBody implements ObjectBody {

        private final byte[] data;
        private String sha256;

        private HeapBody(byte[] data) {
            this.data = data;
        }

        @Override
        public long size() {
            return data.length;
        }

        @Override
        public ByteBuffer slice(long offset, int length) {
            return ByteBuffer.wrap(data, Math.toIntExact(offset), length)
                    .slice()
                    .asReadOnlyBuffer();
        }

        @Override
        public byte[] bytes() {
            return data;
        }

        @Override
        public synchronized String sha256() {
            if (sha256 == null) {
                sha256 = Sha256.hex(data);
            }
            return sha256;
        }
    }
}
