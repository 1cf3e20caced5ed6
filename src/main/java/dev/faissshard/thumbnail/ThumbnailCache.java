package dev.faissshard.thumbnail;

import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The most recently used thumbnails, bounded both by count and by bytes (keys included), each
 * served for at most its time to live. Thread-safe: every operation holds the cache's lock, and
 * none does more than a few map operations under it.
 */
final class ThumbnailCache {

    /** What one entry costs besides its bytes: key, record, map node (an estimate). */
    private static final int ENTRY_OVERHEAD = 160;

    private final int maxEntries;
    private final long maxBytes;
    private final Duration ttl;
    private final Clock clock;
    private final LinkedHashMap<String, Thumbnail> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    ThumbnailCache(int maxEntries, long maxBytes, Duration ttl, Clock clock) {
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
        this.ttl = ttl;
        this.clock = clock;
    }

    synchronized Optional<Thumbnail> get(String id) {
        Thumbnail kept = entries.get(id);
        if (kept == null) {
            return Optional.empty();
        }
        if (kept.madeAt().plus(ttl).isBefore(clock.instant())) {
            remove(id);
            return Optional.empty();
        }
        return Optional.of(kept);
    }

    synchronized void put(String id, Thumbnail thumbnail) {
        long cost = cost(id, thumbnail);
        if (cost > maxBytes) {
            return;
        }
        remove(id);
        entries.put(id, thumbnail);
        bytes += cost;
        Iterator<Map.Entry<String, Thumbnail>> eldest = entries.entrySet().iterator();
        while ((entries.size() > maxEntries || bytes > maxBytes) && eldest.hasNext()) {
            Map.Entry<String, Thumbnail> entry = eldest.next();
            bytes -= cost(entry.getKey(), entry.getValue());
            eldest.remove();
        }
    }

    synchronized int size() {
        return entries.size();
    }

    synchronized long bytes() {
        return bytes;
    }

    private void remove(String id) {
        Thumbnail removed = entries.remove(id);
        if (removed != null) {
            bytes -= cost(id, removed);
        }
    }

    private static long cost(String id, Thumbnail thumbnail) {
        return ENTRY_OVERHEAD + 2L * id.length() + thumbnail.bytes().length;
    }
}
