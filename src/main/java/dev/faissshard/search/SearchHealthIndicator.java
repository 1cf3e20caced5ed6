package dev.faissshard.search;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code search}: the shard cache's bytes against its bound, and the snapshot each loaded index
 * serves.
 */
@Component
class SearchHealthIndicator implements HealthIndicator {

    private final ShardCache cache;
    private final ServedIndexes indexes;

    SearchHealthIndicator(ShardCache cache, ServedIndexes indexes) {
        this.cache = cache;
        this.indexes = indexes;
    }

    @Override
    public Health health() {
        return Health.up()
                .withDetail("cacheBytes", cache.usedBytes())
                .withDetail("cacheMaxBytes", cache.maxBytes())
                .withDetail("shards", cache.shards())
                .withDetail("indexes", indexes.view())
                .build();
    }
}
