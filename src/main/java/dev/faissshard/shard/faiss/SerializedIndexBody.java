package dev.faissshard.shard.faiss;

import dev.faissshard.storage.ObjectBody;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;

/**
 * A sealed index as the bytes of its FAISS serialization, made a slice at a time from the index
 * itself (see {@link ObjectBody} for why a shard is never copied onto the heap). Neither is a whole
 * second copy made in native memory: the sealed shard's own memory is what is read, through one
 * window of {@link ObjectBody#SLICE} bytes, and both are freed on {@link #close()}. Serializing one
 * window walks {@code write_index} again, which copies nothing outside the window.
 */
final class SerializedIndexBody implements ObjectBody {

    private FaissNative.NativeIndex index;
    private final long size;
    private final BytePointer window;
    private String sha256;

    /** Takes ownership of {@code index}: it is freed when the body is closed. */
    SerializedIndexBody(FaissNative.NativeIndex index) {
        this.index = index;
        this.size = FaissNative.index_serialized_size(index);
        this.window = new BytePointer(Math.max(1, Math.min(size, SLICE)));
    }

    @Override
    public long size() {
        return size;
    }

    /** The view is the body's one window: valid until the next slice is asked for. */
    @Override
    public synchronized ByteBuffer slice(long offset, int length) {
        if (index == null) {
            throw new IllegalStateException("the sealed index was already freed");
        }
        if (offset < 0 || length < 0 || length > SLICE || offset + length > size) {
            throw new IndexOutOfBoundsException(
                    "slice " + offset + "+" + length + " of " + size + " bytes");
        }
        long copied = FaissNative.index_serialize_window(index, offset, window, length);
        if (copied != length) {
            throw new IllegalStateException(
                    "FAISS wrote " + copied + " bytes at " + offset + ", expected " + length);
        }
        return window.position(0).limit(length).asByteBuffer().asReadOnlyBuffer();
    }

    @Override
    public synchronized void copy(long offset, byte[] target, int at, int length) {
        for (int done = 0; done < length; done += SLICE) {
            int part = Math.min(SLICE, length - done);
            slice(offset + done, part).get(target, at + done, part);
        }
    }

    @Override
    public synchronized String sha256() {
        if (sha256 == null) {
            sha256 = ObjectBody.super.sha256();
        }
        return sha256;
    }

    @Override
    public synchronized void close() {
        if (index != null) {
            FaissNative.index_free(index);
            index = null;
            window.close();
        }
    }
}
