package dev.faissshard.index;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * The FAISS ids of a sealed shard in the compact form a resume reads instead of the shard's TSV id
 * file ({@link IdFile}, about 20 bytes per id to fetch and parse): a bitmap over {@code [minId,
 * maxId]} (1/8 byte per id when the ids are dense integers), or the sorted ids as 8-byte values
 * when a bitmap would be larger (hashed ids, sparse ranges). Written beside the shard when it is
 * sealed and named by its {@link ShardRecord#doneBitmap()}; shards sealed before it existed have
 * none and are read from their id file.
 *
 * <p>Layout, big-endian: magic {@code FSD1}, kind (0 bitmap, 1 sorted ids), count, minId, maxId
 * (longs), the payload, then the CRC-32 of everything before it, so a damaged object is refused
 * rather than taken for a different set of ids.
 */
public final class DoneBitmap {

    /** Content type of the object. */
    public static final String CONTENT_TYPE = "application/octet-stream";

    private static final int MAGIC = 0x46534431; // "FSD1"
    private static final byte BITMAP = 0;
    private static final byte SORTED = 1;
    private static final int HEADER = 4 + 1 + 8 + 8 + 8;

    private DoneBitmap() {}

    /** Encodes distinct ids (any order). */
    public static byte[] encode(long[] ids) {
        long[] sorted = ids.clone();
        Arrays.sort(sorted);
        long min = sorted.length == 0 ? 0 : sorted[0];
        long max = sorted.length == 0 ? -1 : sorted[sorted.length - 1];
        long width = max - min + 1;
        boolean bitmap =
                sorted.length > 0 && min >= 0 && width > 0 && width / 8 <= sorted.length * 8L;
        int payload =
                bitmap ? Math.toIntExact((width + 7) / 8) : Math.multiplyExact(sorted.length, 8);
        ByteBuffer out = ByteBuffer.allocate(HEADER + payload + 4);
        out.putInt(MAGIC)
                .put(bitmap ? BITMAP : SORTED)
                .putLong(sorted.length)
                .putLong(min)
                .putLong(max);
        if (bitmap) {
            byte[] bits = new byte[payload];
            for (long id : sorted) {
                long bit = id - min;
                bits[(int) (bit >>> 3)] |= (byte) (1 << (bit & 7));
            }
            out.put(bits);
        } else {
            for (long id : sorted) {
                out.putLong(id);
            }
        }
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /**
     * The ids an object holds, ascending; empty when it is not a well-formed done bitmap (wrong
     * magic, length or checksum), so the caller falls back to the id file.
     */
    public static Optional<long[]> decode(byte[] data) {
        if (data.length < HEADER + 4) {
            return Optional.empty();
        }
        ByteBuffer in = ByteBuffer.wrap(data);
        CRC32 crc = new CRC32();
        crc.update(data, 0, data.length - 4);
        if (in.getInt(data.length - 4) != (int) crc.getValue() || in.getInt() != MAGIC) {
            return Optional.empty();
        }
        byte kind = in.get();
        long count = in.getLong();
        long min = in.getLong();
        long max = in.getLong();
        int payload = data.length - HEADER - 4;
        if (count < 0 || count > Integer.MAX_VALUE) {
            return Optional.empty();
        }
        long[] ids = new long[(int) count];
        if (kind == SORTED) {
            if (payload != count * 8) {
                return Optional.empty();
            }
            for (int i = 0; i < ids.length; i++) {
                ids[i] = in.getLong();
            }
            return Optional.of(ids);
        }
        if (kind != BITMAP || max < min || payload != (max - min + 1 + 7) / 8) {
            return Optional.empty();
        }
        int found = 0;
        for (int b = 0; b < payload; b++) {
            int bits = data[HEADER + b] & 0xff;
            while (bits != 0) {
                int bit = Integer.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (found == ids.length) {
                    return Optional.empty();
                }
                ids[found++] = min + b * 8L + bit;
            }
        }
        return found == ids.length ? Optional.of(ids) : Optional.empty();
    }
}
