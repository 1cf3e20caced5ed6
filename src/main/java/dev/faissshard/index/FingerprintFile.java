package dev.faissshard.index;

import java.nio.ByteBuffer;

/**
 * The fingerprints written beside a shard or segment ({@code .urls.bin}): one big-endian 64-bit
 * {@link RowFingerprint} per vector, in the order of its id file, so that the next job can tell a
 * changed row without the catalogue's old URLs. 8 bytes per vector.
 */
public final class FingerprintFile {

    private FingerprintFile() {}

    public static byte[] write(long[] fingerprints, int from, int count) {
        ByteBuffer out = ByteBuffer.allocate(count * Long.BYTES);
        for (int i = from; i < from + count; i++) {
            out.putLong(fingerprints[i]);
        }
        return out.array();
    }

    /** The fingerprints of a file of {@code rows} vectors. */
    public static long[] read(byte[] data, int rows, String file) {
        if (data.length != (long) rows * Long.BYTES) {
            throw new IllegalStateException(
                    file
                            + " holds "
                            + data.length / Long.BYTES
                            + " fingerprints for "
                            + rows
                            + " rows");
        }
        long[] fingerprints = new long[rows];
        ByteBuffer.wrap(data).asLongBuffer().get(fingerprints);
        return fingerprints;
    }
}
