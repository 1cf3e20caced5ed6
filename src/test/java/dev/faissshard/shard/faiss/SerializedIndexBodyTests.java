package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.shard.Metric;
import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.ObjectBody;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sealed index turned into its serialization slice by slice gives the bytes of FAISS's own
 * serialization, and frees the index with the body.
 */
class SerializedIndexBodyTests {

    /** Over two storage slices, and not a multiple of one, so slices cross and end unevenly. */
    private static final int ROWS = 2 * ObjectBody.SLICE / (64 * 4) + 37;

    @Test
    void holdsTheSerializationOfTheIndexSliceBySlice(@TempDir Path dir) {
        try (FaissIndex index = FaissIndex.create(64, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            long[] ids = new long[ROWS];
            Arrays.setAll(ids, i -> 7L * i + 3);
            index.addWithIds(FaissIndexTests.unitVectors(ROWS, 64, 5), ids);
            byte[] expected = index.toBytes();
            try (ObjectBody body = index.intoSerialized()) {
                assertThat(body.size()).isEqualTo(expected.length);
                assertThat(body.sha256()).isEqualTo(Sha256.hex(expected));
                assertThat(body.bytes()).isEqualTo(expected);
                byte[] middle = new byte[1000];
                body.copy(ObjectBody.SLICE - 500, middle, 0, middle.length);
                assertThat(middle)
                        .isEqualTo(
                                Arrays.copyOfRange(
                                        expected, ObjectBody.SLICE - 500, ObjectBody.SLICE + 500));
                assertThatThrownBy(() -> index.count())
                        .as("the body owns the index now")
                        .isInstanceOf(IllegalStateException.class);
                ByteBuffer tail = body.slice(expected.length - 10, 10);
                assertThat(tail.isReadOnly()).isTrue();
                assertThat(tail.remaining()).isEqualTo(10);

                LocalStorageClient storage = new LocalStorageClient(dir);
                storage.create("faiss/shard.faiss", body, "application/octet-stream");
                assertThat(storage.get("faiss/shard.faiss")).isEqualTo(expected);
            }
        }
    }

    @Test
    void refusesSlicesOutsideTheBytesAndAfterClosing() {
        try (FaissIndex index = FaissIndex.create(8, "IDMap,Flat", Metric.L2)) {
            index.addWithIds(FaissIndexTests.unitVectors(3, 8, 1), new long[] {1, 2, 3});
            ObjectBody body = index.intoSerialized();
            assertThatThrownBy(() -> body.slice(body.size() - 1, 2))
                    .isInstanceOf(IndexOutOfBoundsException.class);
            body.close();
            assertThatThrownBy(() -> body.slice(0, 1)).isInstanceOf(IllegalStateException.class);
            body.close();
        }
    }
}
