package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The done bitmap written at seal: round trip, size per id, and refusal of damaged objects. */
class DoneBitmapTests {

    @Test
    void denseIntegerIdsRoundTripAtAnEighthOfAByteEach() {
        SplittableRandom random = new SplittableRandom(3);
        // 5% of a range missing, as a shard of a catalogue with failures has.
        long[] ids =
                LongStream.range(1_000_000, 1_020_000)
                        .filter(id -> random.nextInt(20) != 0)
                        .toArray();
        long[] shuffled = ids.clone();
        for (int i = shuffled.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long swap = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = swap;
        }
        byte[] data = DoneBitmap.encode(shuffled);
        // 20,000 bits of range, a 33-byte header and 4-byte checksum.
        assertThat(data).hasSize(20_000 / 8 + 33);
        assertThat(DoneBitmap.decode(data))
                .hasValueSatisfying(read -> assertThat(read).isEqualTo(ids));
    }

    @Test
    void hashedAndNegativeIdsRoundTripAsSortedValues() {
        long[] ids = {FaissIds.of("uuid-a"), FaissIds.of("uuid-b"), -7, Long.MAX_VALUE, 0};
        byte[] data = DoneBitmap.encode(ids);
        assertThat(data).hasSize(ids.length * 8 + 33);
        long[] sorted = ids.clone();
        Arrays.sort(sorted);
        assertThat(DoneBitmap.decode(data))
                .hasValueSatisfying(read -> assertThat(read).isEqualTo(sorted));
    }

    @Test
    void sparseIntegerIdsAreStoredAsValuesWhenABitmapWouldBeLarger() {
        long[] ids = {5, 1_000_000_000L, 2_000_000_000L};
        assertThat(DoneBitmap.encode(ids)).hasSize(3 * 8 + 33);
        assertThat(DoneBitmap.decode(DoneBitmap.encode(ids))).hasValue(ids);
    }

    @Test
    void anEmptyShardRoundTrips() {
        assertThat(DoneBitmap.decode(DoneBitmap.encode(new long[0]))).hasValue(new long[0]);
    }

    @Test
    void aDamagedOrTruncatedObjectIsRefused() {
        byte[] data = DoneBitmap.encode(LongStream.range(0, 1000).toArray());
        byte[] flipped = data.clone();
        flipped[40] ^= 1;
        assertThat(DoneBitmap.decode(flipped)).isEmpty();
        assertThat(DoneBitmap.decode(Arrays.copyOf(data, data.length - 1))).isEmpty();
        assertThat(DoneBitmap.decode("0\tsku\n".getBytes())).isEmpty();
    }
}
