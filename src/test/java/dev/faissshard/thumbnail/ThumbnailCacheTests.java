package dev.faissshard.thumbnail;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/**
 * The thumbnail cache keeps the most recently used entries within both of its bounds, counts the
 * bytes it holds exactly as it drops them, and serves an entry only within its time to live.
 */
class ThumbnailCacheTests {

    private static final Instant START = Instant.parse("2026-12-02T00:00:00Z");

    private final AtomicReference<Instant> now = new AtomicReference<>(START);
    private final Clock clock =
            new Clock() {
                @Override
                public ZoneOffset getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now.get();
                }
            };

    @Test
    void theLeastRecentlyUsedEntryGoesFirstBeyondTheEntryBound() {
        ThumbnailCache cache = new ThumbnailCache(2, 1 << 20, Duration.ofHours(1), clock);
        cache.put("a", thumbnail(10));
        cache.put("b", thumbnail(10));
        assertThat(cache.get("a")).isPresent(); // a is now the most recent
        cache.put("c", thumbnail(10));
        assertThat(cache.get("b")).isEmpty();
        assertThat(cache.get("a")).isPresent();
        assertThat(cache.get("c")).isPresent();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void theByteBoundHoldsAndTheCountOfBytesFollowsEveryRemoval() {
        long one = cost("a", 1000);
        ThumbnailCache cache = new ThumbnailCache(100, 3 * one, Duration.ofHours(1), clock);
        for (String id : new String[] {"a", "b", "c", "d", "e"}) {
            cache.put(id, thumbnail(1000));
            assertThat(cache.bytes()).isLessThanOrEqualTo(3 * one);
        }
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.bytes()).isEqualTo(3 * one);
        assertThat(cache.get("b")).isEmpty();
        assertThat(cache.get("e")).isPresent();
        // Replacing an entry does not count it twice.
        cache.put("e", thumbnail(1000));
        assertThat(cache.bytes()).isEqualTo(3 * one);
    }

    @Test
    void aThumbnailLargerThanTheWholeCacheIsNotKept() {
        ThumbnailCache cache = new ThumbnailCache(100, 500, Duration.ofHours(1), clock);
        cache.put("a", thumbnail(10));
        cache.put("huge", thumbnail(10_000));
        assertThat(cache.get("huge")).isEmpty();
        assertThat(cache.get("a")).isPresent();
    }

    @Test
    void anEntryIsServedOnlyWithinItsTimeToLive() {
        ThumbnailCache cache = new ThumbnailCache(100, 1 << 20, Duration.ofMinutes(10), clock);
        cache.put("a", thumbnail(10));
        now.set(START.plus(Duration.ofMinutes(10)));
        assertThat(cache.get("a")).isPresent();
        now.set(START.plus(Duration.ofMinutes(10)).plusMillis(1));
        assertThat(cache.get("a")).isEmpty();
        assertThat(cache.size()).isZero();
        assertThat(cache.bytes()).isZero();
    }

    /** One entry's cost as the cache's Javadoc defines it: bytes, the id's chars, an overhead. */
    private static long cost(String id, int bytes) {
        return 160 + 2L * id.length() + bytes;
    }

    private Thumbnail thumbnail(int bytes) {
        return new Thumbnail(new byte[bytes], MediaType.IMAGE_JPEG, "\"x\"", now.get());
    }
}
