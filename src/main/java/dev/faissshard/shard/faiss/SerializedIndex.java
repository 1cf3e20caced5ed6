package dev.faissshard.shard.faiss;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import org.bytedeco.javacpp.BytePointer;

/**
 * An index's serialized bytes in native memory, read from a stream, so that a large shard reaches
 * FAISS without a copy on the Java heap (whose pages, once touched, stay resident) and without a
 * second native copy: {@link #open} lets FAISS read the bytes where they are. The caller can check
 * them (a digest, the size) before FAISS parses a byte of them.
 */
public final class SerializedIndex implements AutoCloseable {

    private static final int CHUNK = 1 << 20;

    private BytePointer data;
    private final long size;
    private final boolean exact;

    private SerializedIndex(BytePointer data, long size, boolean exact) {
        this.data = data;
        this.size = size;
        this.exact = exact;
    }

    /**
     * Reads {@code expectedSize} bytes from {@code in} into native memory, updating {@code digest}
     * with every byte read; {@link #exact} says whether the stream held exactly that many.
     */
    public static SerializedIndex read(InputStream in, long expectedSize, MessageDigest digest)
            throws IOException {
        FaissLibrary.ensureLoaded();
        if (expectedSize < 0) {
            throw new IllegalArgumentException("negative size " + expectedSize);
        }
        BytePointer data = new BytePointer(Math.max(1, expectedSize));
        try {
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, expectedSize))];
            long offset = 0;
            while (offset < expectedSize) {
                int read = in.read(chunk, 0, (int) Math.min(chunk.length, expectedSize - offset));
                if (read < 0) {
                    return new SerializedIndex(data, offset, false);
                }
                digest.update(chunk, 0, read);
                data.position(offset).put(chunk, 0, read);
                offset += read;
            }
            data.position(0);
            return new SerializedIndex(data, offset, in.read() < 0);
        } catch (IOException | RuntimeException ex) {
            data.close();
            throw ex;
        }
    }

    /** Whether the stream held exactly the expected number of bytes. */
    public boolean exact() {
        return exact;
    }

    /** Bytes read. */
    public long size() {
        return size;
    }

    /** Lets FAISS read the index from these bytes, in place. */
    public FaissIndex open() {
        if (data == null) {
            throw new IllegalStateException("serialized index already closed");
        }
        return FaissIndex.fromNative(data.position(0), size);
    }

    @Override
    public void close() {
        if (data != null) {
            data.close();
            data = null;
        }
    }
}
