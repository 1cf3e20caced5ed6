package dev.faissshard.search;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many hold a shared resource (a loaded shard, an index snapshot), starting at one: its
 * creator. Once the count has fallen to zero nobody can take it again, so the resource is freed
 * exactly once, by whoever gave back the last reference. Thread-safe.
 */
final class References {

    private final AtomicInteger count = new AtomicInteger(1);

    /** Takes one more reference; false when the last one was already given back. */
    boolean retain() {
        for (; ; ) {
            int current = count.get();
            if (current <= 0) {
                return false;
            }
            if (count.compareAndSet(current, current + 1)) {
                return true;
            }
        }
    }

    /** Gives one back; true for the last one, whose holder must free the resource. */
    boolean release() {
        return count.decrementAndGet() == 0;
    }
}
