package dev.faissshard.storage;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Whether the shard store answers; reports where it is (never credentials). */
@Component("storage")
class StorageHealthIndicator implements HealthIndicator {

    private final StorageClient storage;

    StorageHealthIndicator(StorageClient storage) {
        this.storage = storage;
    }

    @Override
    public Health health() {
        try {
            storage.ping();
            return Health.up().withDetail("location", storage.description()).build();
        } catch (StorageException ex) {
            return Health.down()
                    .withDetail("location", storage.description())
                    .withDetail("error", ex.getMessage())
                    .build();
        }
    }
}
