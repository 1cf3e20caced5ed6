package dev.faissshard.index;

import java.util.Arrays;

/**
 * A set of FAISS ids in an open-addressing table of primitive longs: about 16 bytes per id instead
 * of the ~60 of a {@code HashSet<Long>}, which matters when a resumed job loads the ids of millions
 * of indexed images. Not thread-safe.
 */
public final class IdSet {

    private static final long EMPTY = Long.MIN_VALUE;

    private long[] slots;
    private int size;
    private boolean containsEmptyMarker;

    public IdSet() {
        slots = new long[1024];
        Arrays.fill(slots, EMPTY);
    }

    public int size() {
        return size + (containsEmptyMarker ? 1 : 0);
    }

    public boolean contains(long id) {
        if (id == EMPTY) {
            return containsEmptyMarker;
        }
        int mask = slots.length - 1;
        for (int i = mix(id) & mask; ; i = (i + 1) & mask) {
            long slot = slots[i];
            if (slot == EMPTY) {
                return false;
            }
            if (slot == id) {
                return true;
            }
        }
    }

    /** Adds the id; returns false if it was already present. */
    public boolean add(long id) {
        if (id == EMPTY) {
            boolean added = !containsEmptyMarker;
            containsEmptyMarker = true;
            return added;
        }
        if ((size + 1) * 2L > slots.length) {
            grow();
        }
        int mask = slots.length - 1;
        for (int i = mix(id) & mask; ; i = (i + 1) & mask) {
            long slot = slots[i];
            if (slot == id) {
                return false;
            }
            if (slot == EMPTY) {
                slots[i] = id;
                size++;
                return true;
            }
        }
    }

    private void grow() {
        long[] old = slots;
        slots = new long[old.length * 2];
        Arrays.fill(slots, EMPTY);
        size = 0;
        for (long id : old) {
            if (id != EMPTY) {
                add(id);
            }
        }
    }

    private static int mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
