package dev.faissshard.lease;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * One writer per index across processes: a job holds a lease object in the index's storage while it
 * runs.
 *
 * @param enabled take and check leases (off only for a store no other process ever writes to)
 * @param ttl how long a lease lasts without renewal; a killed process's index is free again after
 *     this. It is renewed every third of it, and a holder stops writing once it could not renew for
 *     this long
 * @param clockSkew the largest difference between the clocks of two processes on one store, added
 *     to the wait before a lease counts as expired for anyone but its owner
 */
@Validated
@ConfigurationProperties("fsb.lease")
public record LeaseProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("30s") @NotNull Duration ttl,
        @DefaultValue("5s") @NotNull Duration clockSkew) {

    public LeaseProperties {
        if (ttl != null && ttl.compareTo(Duration.ofSeconds(3)) < 0) {
            throw new IllegalArgumentException(
                    "fsb.lease.ttl must be at least 3s (was " + ttl + ")");
        }
        if (clockSkew != null && clockSkew.isNegative()) {
            throw new IllegalArgumentException("fsb.lease.clock-skew must not be negative");
        }
    }

    Duration renewEvery() {
        return ttl.dividedBy(3);
    }
}
