package dev.faissshard.observability;

import dev.faissshard.job.JobService;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/** Per-job gauges and progress lines, both driven by one small timer thread. */
@Configuration(proxyBeanMethods = false)
class ObservabilityConfiguration {

    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService observabilityTimer() {
        return Executors.newSingleThreadScheduledExecutor(
                task -> {
                    Thread thread = new Thread(task, "observability");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Bean
    JobProgressGauges jobProgressGauges(
            JobService jobs,
            MeterRegistry registry,
            ObservabilityProperties properties,
            ScheduledExecutorService observabilityTimer) {
        return new JobProgressGauges(
                jobs, registry, properties.jobGaugesRefresh(), observabilityTimer);
    }

    @Bean
    ProgressLog progressLog(
            JobService jobs,
            ObservabilityProperties properties,
            Environment environment,
            ScheduledExecutorService observabilityTimer) {
        boolean runOnce = environment.getProperty("fsb.job.run-once", Boolean.class, false);
        boolean enabled =
                switch (properties.progressLog()) {
                    case ALWAYS -> true;
                    case RUN_ONCE -> runOnce;
                    case NEVER -> false;
                };
        return new ProgressLog(jobs, enabled, properties.progressLogInterval(), observabilityTimer);
    }
}
