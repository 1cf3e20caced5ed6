package dev.faissshard.embedding;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Direct buffers for model inputs, reused from batch to batch. A direct buffer's memory lives
 * outside the heap and is only returned when the collector gets round to its small heap object,
 * which, once promoted, can take minutes: allocating a fresh input tensor per batch made process
 * memory climb with the length of the build. At most {@code idleLimit} buffers are kept; one is in
 * use per running inference.
 */
final class TensorBuffers {

    private final int idleLimit;
    private final Deque<FloatBuffer> idle = new ArrayDeque<>();

    TensorBuffers(int idleLimit) {
        this.idleLimit = idleLimit;
    }

    /** A buffer of exactly {@code floats} capacity, position 0, limit {@code floats}. */
    FloatBuffer borrow(int floats) {
        synchronized (idle) {
            for (Iterator<FloatBuffer> it = idle.iterator(); it.hasNext(); ) {
                FloatBuffer buffer = it.next();
                if (buffer.capacity() == floats) {
                    it.remove();
                    return buffer.clear();
                }
            }
        }
        return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES))
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    void giveBack(FloatBuffer buffer) {
        synchronized (idle) {
            if (idle.size() >= idleLimit) {
                // Another size (a batch's last, shorter slice, say) had its turn: make room for the
                // new one.
                idle.removeLast();
            }
            idle.addFirst(buffer);
        }
    }

    int idle() {
        synchronized (idle) {
            return idle.size();
        }
    }
}
