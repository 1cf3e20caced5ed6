package dev.faissshard.system;

import dev.faissshard.job.JobProperties;
import java.time.Clock;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * The service's own thread pools: named and bounded, so that jobs never borrow MVC's threads and a
 * flood of job requests is refused instead of queued without end.
 */
@Configuration(proxyBeanMethods = false)
class ExecutorConfiguration {

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean(name = "jobExecutor")
    TaskExecutor jobExecutor(JobProperties properties) {
        ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
        executor.setThreadNamePrefix("job-");
        executor.setCorePoolSize(properties.maxRunning());
        executor.setMaxPoolSize(properties.maxRunning());
        executor.setQueueCapacity(properties.maxQueued());
        executor.setWaitForTasksToCompleteOnShutdown(false);
        executor.initialize();
        return executor;
    }

    /**
     * Decoding is CPU-bound: one thread per core. Its queue is unbounded because the batch size
     * already bounds what a job submits (at most two batches in flight per job).
     */
    @Bean(name = "decodeExecutor", destroyMethod = "shutdownNow")
    ThreadPoolExecutor decodeExecutor(JobProperties properties) {
        int threads = properties.effectiveDecodeThreads();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(
                        threads,
                        threads,
                        60,
                        TimeUnit.SECONDS,
                        new LinkedBlockingQueue<>(),
                        new CustomizableThreadFactory("decode-"));
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }
}
