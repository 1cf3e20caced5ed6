package dev.faissshard.shard.faiss;

import dev.faissshard.storage.ObjectBody;
import java.nio.ByteBuffer;
import org.bytedeco.javacpp.BytePointer;

/**
 * A serialized index in native memory (see {@link ObjectBody} for why a shard is not copied onto
 * the heap). Closed by the index layer once the object is stored; if it never is (a failed job),
 * the pointer's deallocator frees it when the body is garbage.
 */
final class NativeObjectBody implements ObjectBody {

    private final BytePointer data;
    private final long size;
    private String sha256;
    private boolean closed;

    NativeObjectBody(BytePointer data, long size) {
        this.data = data;
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized ByteBuffer slice(long offset, int length) {
        if (closed) {
            throw new IllegalStateException("the serialized index was already freed");
        }
        if (offset < 0 || length < 0 || offset + length > size) {
            throw new IndexOutOfBoundsException(
                    "slice " + offset + "+" + length + " of " + size + " bytes");
        }
        // A view of the native bytes, not a copy; the caller drops it before the body is closed.
        return new BytePointer(data)
                .position(offset)
                .limit(offset + length)
                .asByteBuffer()
                .asReadOnlyBuffer();
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
        if (!closed) {
            closed = true;
            data.close();
        }
    }
}
