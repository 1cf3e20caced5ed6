package dev.faissshard.observability;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Job progress as metrics and log lines.
 *
 * @param jobGaugesRefresh how often the per-job gauges ({@code fsb_job_images_total} and so on)
 *     take in new jobs and drop forgotten ones; their values are read at every scrape
 * @param progressLog when to log a progress line per running job: {@code run-once} (batch workers,
 *     whose logs are all an operator sees), {@code always}, or {@code never}
 * @param progressLogInterval time between two progress lines of a job
 */
@Validated
@ConfigurationProperties("fsb.observability")
public record ObservabilityProperties(
        @DefaultValue("5s") @NotNull Duration jobGaugesRefresh,
        @DefaultValue("run-once") @NotNull ProgressLogMode progressLog,
        @DefaultValue("30s") @NotNull Duration progressLogInterval) {

    public ObservabilityProperties {
        if (jobGaugesRefresh != null && jobGaugesRefresh.toMillis() < 10) {
            throw new IllegalArgumentException(
                    "fsb.observability.job-gauges-refresh must be at least 10ms");
        }
        if (progressLogInterval != null && progressLogInterval.toMillis() < 10) {
            throw new IllegalArgumentException(
                    "fsb.observability.progress-log-interval must be at least 10ms");
        }
    }

    /** When progress lines are logged. */
    public enum ProgressLogMode {
        /** Only when {@code fsb.job.run-once} is set. */
        RUN_ONCE,
        /** Also in service mode. */
        ALWAYS,
        /** Never. */
        NEVER
    }
}
