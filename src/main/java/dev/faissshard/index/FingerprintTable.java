package dev.faissshard.index;

import java.util.Arrays;

/**
 * FAISS id to {@link RowFingerprint} of the open shard's rows: open addressing over two long arrays
 * (about 32 bytes per row at most), since the open shard of a compressed factory holds hundreds of
 * thousands of rows. Not thread-safe.
 */
final class FingerprintTable {

    /** Marks a free slot; FAISS ids of catalogue rows are never -1 (it is FAISS's "no result"). */
    private static final long FREE = -1L;

    private long[] keys = newKeys(64);
    private long[] values = new long[64];
    private int size;

    /** The fingerprint of the id, or {@link RowFingerprint#UNKNOWN}. */
    long get(long id) {
        int mask = keys.length - 1;
        for (int slot = slot(id, mask); ; slot = (slot + 1) & mask) {
            if (keys[slot] == id) {
                return values[slot];
            }
            if (keys[slot] == FREE) {
                return RowFingerprint.UNKNOWN;
            }
        }
    }

    void put(long id, long fingerprint) {
        if (id == FREE || fingerprint == RowFingerprint.UNKNOWN) {
            return;
        }
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        for (int slot = slot(id, mask); ; slot = (slot + 1) & mask) {
            if (keys[slot] == id || keys[slot] == FREE) {
                if (keys[slot] == FREE) {
                    size++;
                }
                keys[slot] = id;
                values[slot] = fingerprint;
                return;
            }
        }
    }

    void clear() {
        keys = newKeys(64);
        values = new long[64];
        size = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = newKeys(oldKeys.length * 2);
        values = new long[oldKeys.length * 2];
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != FREE) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    private static long[] newKeys(int length) {
        long[] keys = new long[length];
        Arrays.fill(keys, FREE);
        return keys;
    }

    private static int slot(long id, int mask) {
        long mixed = id * 0x9E3779B97F4A7C15L;
        return (int) (mixed ^ (mixed >>> 32)) & mask;
    }
}
