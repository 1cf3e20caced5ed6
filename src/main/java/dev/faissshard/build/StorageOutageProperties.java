package dev.faissshard.build;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long a running build waits for storage that stopped answering (an outage of Supabase Storage:
 * unreachable, timeouts, 5xx, 429) before its job fails. Each storage call already retries on its
 * own for a few seconds ({@code fsb.supabase.retry}); this is the patience beyond that.
 *
 * @param outageTimeout how long a job waits, {@code WAITING}, for storage to answer again; past it
 *     the job fails and {@code progress.json} describes exactly what is stored
 * @param outageInitialBackoff wait before the first new attempt; doubled after each failed one
 * @param outageMaxBackoff longest wait between attempts, so that a job goes on soon after storage
 *     is back
 */
@Validated
@ConfigurationProperties("fsb.storage")
public record StorageOutageProperties(
        @DefaultValue("10m") @NotNull Duration outageTimeout,
        @DefaultValue("1s") @NotNull Duration outageInitialBackoff,
        @DefaultValue("15s") @NotNull Duration outageMaxBackoff) {

    public StorageOutageProperties {
        if (outageTimeout != null && outageTimeout.isNegative()) {
            throw new IllegalArgumentException("fsb.storage.outage-timeout must not be negative");
        }
        if (outageInitialBackoff != null
                && outageMaxBackoff != null
                && (outageInitialBackoff.toMillis() < 1
                        || outageMaxBackoff.compareTo(outageInitialBackoff) < 0)) {
            throw new IllegalArgumentException(
                    "fsb.storage.outage-max-backoff must be at least outage-initial-backoff, which"
                            + " must be at least 1ms");
        }
    }
}
