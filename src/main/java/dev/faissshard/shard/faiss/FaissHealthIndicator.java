package dev.faissshard.shard.faiss;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Whether the FAISS JNI library loaded, and if not, why. */
@Component("faiss")
class FaissHealthIndicator implements HealthIndicator {

    @Override
    public Health health() {
        if (FaissLibrary.isAvailable()) {
            return Health.up().withDetail("library", "jniFaissNative").build();
        }
        return Health.down().withDetail("error", FaissLibrary.failureReason()).build();
    }
}
