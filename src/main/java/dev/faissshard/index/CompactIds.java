package dev.faissshard.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A set of FAISS ids in little memory. Ids below 2<sup>48</sup> (catalogue integers used as they
 * are) are grouped by their upper bits into chunks of 65,536, each a sorted {@code char} array
 * while sparse and a 8 KB bitmap once it holds more than 4,096: dense ids cost 1/8 byte each, ids
 * one in ten about 2 bytes. Other ids (63-bit hashes of UUIDs or SKUs, spread evenly, so no chunk
 * would hold two) are kept in sorted {@code long} arrays, 8 bytes each, merged like a binary
 * counter so that there are at most a logarithmic number of them. Not thread-safe.
 */
public final class CompactIds {

    /** Ids from here on are kept as sorted longs. */
    static final long CHUNKED_LIMIT = 1L << 48;

    private static final int ARRAY_MAX = 4096;
    private static final int BITMAP_WORDS = 1024;

    private final Map<Long, Chunk> chunks = new HashMap<>();
    private final List<long[]> runs = new ArrayList<>();
    private long size;

    /** The chunk last used: ids come in runs, so most calls skip the map (and boxing its key). */
    private long lastKey = -1;

    private Chunk lastChunk;

    public long size() {
        return size;
    }

    public boolean contains(long id) {
        if (id >= 0 && id < CHUNKED_LIMIT) {
            Chunk chunk = chunk(id >>> 16, false);
            return chunk != null && chunk.contains((int) (id & 0xFFFF));
        }
        for (long[] run : runs) {
            if (Arrays.binarySearch(run, id) >= 0) {
                return true;
            }
        }
        return false;
    }

    /** Adds the id; returns false if it was already present. */
    public boolean add(long id) {
        if (id >= 0 && id < CHUNKED_LIMIT) {
            boolean added = chunk(id >>> 16, true).add(id);
            if (added) {
                size++;
            }
            return added;
        }
        if (contains(id)) {
            return false;
        }
        pushRun(new long[] {id});
        size++;
        return true;
    }

    /** Adds every id of {@code ids} (in any order, duplicates allowed). */
    public void addAll(long[] ids) {
        int count = 0;
        for (long id : ids) {
            if (id >= 0 && id < CHUNKED_LIMIT) {
                add(id);
            } else {
                count++;
            }
        }
        if (count == 0) {
            return;
        }
        long[] large = new long[count];
        count = 0;
        for (long id : ids) {
            if (id < 0 || id >= CHUNKED_LIMIT) {
                large[count++] = id;
            }
        }
        Arrays.sort(large, 0, count);
        long[] fresh = new long[count];
        int kept = 0;
        for (int i = 0; i < count; i++) {
            if ((i == 0 || large[i] != large[i - 1]) && !contains(large[i])) {
                fresh[kept++] = large[i];
            }
        }
        if (kept > 0) {
            pushRun(kept == fresh.length ? fresh : Arrays.copyOf(fresh, kept));
            size += kept;
        }
    }

    /** Adds every id from {@code first} to {@code last}, both included. */
    public void addRange(long first, long last) {
        long id = first;
        while (id <= last) {
            if (id < 0 || id >= CHUNKED_LIMIT) {
                add(id);
                id++;
                continue;
            }
            long chunkEnd = Math.min(last, (id | 0xFFFF));
            Chunk chunk = chunk(id >>> 16, true);
            size += chunk.addRange((int) (id & 0xFFFF), (int) (chunkEnd & 0xFFFF));
            if (chunkEnd == Long.MAX_VALUE) {
                break;
            }
            id = chunkEnd + 1;
        }
    }

    /**
     * Bytes this set holds on the heap, counted from its arrays' lengths plus the JVM's usual
     * object and map-entry overheads (16-byte headers, 48 bytes per map entry and boxed key).
     */
    public long memoryBytes() {
        long bytes = 64;
        for (Chunk chunk : chunks.values()) {
            bytes += 48 + 32 + chunk.arrayBytes();
        }
        for (long[] run : runs) {
            bytes += 16 + 8L * run.length + 8;
        }
        return bytes;
    }

    private Chunk chunk(long key, boolean create) {
        if (key == lastKey) {
            return lastChunk;
        }
        Chunk chunk = create ? chunks.computeIfAbsent(key, k -> new Chunk()) : chunks.get(key);
        if (chunk != null) {
            lastKey = key;
            lastChunk = chunk;
        }
        return chunk;
    }

    private void pushRun(long[] run) {
        runs.add(run);
        while (runs.size() >= 2
                && runs.get(runs.size() - 2).length <= 2L * runs.get(runs.size() - 1).length) {
            long[] newer = runs.remove(runs.size() - 1);
            long[] older = runs.remove(runs.size() - 1);
            runs.add(merge(older, newer));
        }
    }

    private static long[] merge(long[] a, long[] b) {
        long[] out = new long[a.length + b.length];
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < a.length && j < b.length) {
            out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
        }
        while (i < a.length) {
            out[k++] = a[i++];
        }
        while (j < b.length) {
            out[k++] = b[j++];
        }
        return out;
    }

    /** 65,536 consecutive ids: sorted low halves while sparse, a bitmap once dense. */
    private static final class Chunk {

        private char[] values = new char[4];
        private int count;
        private long[] bits;

        boolean contains(int low) {
            if (bits != null) {
                return (bits[low >>> 6] & (1L << low)) != 0;
            }
            return Arrays.binarySearch(values, 0, count, (char) low) >= 0;
        }

        boolean add(long id) {
            int low = (int) (id & 0xFFFF);
            if (bits != null) {
                long mask = 1L << low;
                if ((bits[low >>> 6] & mask) != 0) {
                    return false;
                }
                bits[low >>> 6] |= mask;
                count++;
                return true;
            }
            int at = Arrays.binarySearch(values, 0, count, (char) low);
            if (at >= 0) {
                return false;
            }
            if (count == ARRAY_MAX) {
                toBitmap();
                return add(id);
            }
            int insert = -at - 1;
            if (count == values.length) {
                values = Arrays.copyOf(values, Math.min(ARRAY_MAX, values.length * 2));
            }
            System.arraycopy(values, insert, values, insert + 1, count - insert);
            values[insert] = (char) low;
            count++;
            return true;
        }

        /** Adds {@code from..to} (low halves, both included); returns how many were new. */
        int addRange(int from, int to) {
            if (bits == null && count + (to - from + 1) > ARRAY_MAX) {
                toBitmap();
            }
            if (bits == null) {
                int added = 0;
                for (int low = from; low <= to; low++) {
                    if (add(low)) {
                        added++;
                    }
                }
                return added;
            }
            int before = count;
            for (int low = from; low <= to; ) {
                int word = low >>> 6;
                int lastInWord = Math.min(to, (word << 6) | 63);
                int width = lastInWord - low + 1;
                long mask = width == 64 ? -1L : ((1L << width) - 1) << (low & 63);
                count += Long.bitCount(mask & ~bits[word]);
                bits[word] |= mask;
                low = lastInWord + 1;
            }
            return count - before;
        }

        long arrayBytes() {
            return bits != null ? 16 + 8L * bits.length : 16 + 2L * values.length;
        }

        private void toBitmap() {
            bits = new long[BITMAP_WORDS];
            for (int i = 0; i < count; i++) {
                bits[values[i] >>> 6] |= 1L << values[i];
            }
            values = null;
        }
    }
}
