package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class TensorBuffersTests {

    @Test
    void aReturnedBufferIsLentAgainClearedInsteadOfAllocatingAnother() {
        TensorBuffers buffers = new TensorBuffers(2);
        FloatBuffer first = buffers.borrow(12);
        assertThat(first.isDirect()).isTrue();
        assertThat(first.capacity()).isEqualTo(12);
        first.put(new float[5]);
        buffers.giveBack(first);
        FloatBuffer again = buffers.borrow(12);
        assertThat(again).isSameAs(first);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(12);
    }

    @Test
    void onlyAnExactSizeIsReusedAndIdleBuffersAreBounded() {
        TensorBuffers buffers = new TensorBuffers(2);
        FloatBuffer twelve = buffers.borrow(12);
        buffers.giveBack(twelve);
        assertThat(buffers.borrow(8)).isNotSameAs(twelve);
        buffers.giveBack(buffers.borrow(4));
        buffers.giveBack(buffers.borrow(6));
        buffers.giveBack(buffers.borrow(7));
        assertThat(buffers.idle()).isEqualTo(2);
        assertThat(buffers.borrow(12)).as("the oldest idle buffer made room").isNotSameAs(twelve);
    }
}
