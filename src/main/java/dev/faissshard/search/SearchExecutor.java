package dev.faissshard.search;

import dev.faissshard.failure.Causes;
import dev.faissshard.shard.faiss.FaissLibrary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The searches' own bounded pool: {@code fsb.search.threads} threads and a queue of {@code
 * fsb.search.queue-capacity}, so searches never take the job's or the decoder's threads (nor those
 * of Tomcat beyond the wait), and a flood of them is refused with 503 instead of queued without
 * end. Each thread sets FAISS's OpenMP thread count for itself: libgomp keeps that setting per
 * calling thread, so a value set on another thread would not apply here.
 */
@Component
class SearchExecutor implements DisposableBean {

    private final ThreadPoolExecutor pool;
    private final long timeoutMillis;

    SearchExecutor(SearchProperties properties, MeterRegistry meters) {
        int threads = properties.effectiveThreads();
        BlockingQueue<Runnable> queue =
                properties.queueCapacity() == 0
                        ? new SynchronousQueue<>()
                        : new ArrayBlockingQueue<>(properties.queueCapacity());
        this.pool =
                new ThreadPoolExecutor(
                        threads,
                        threads,
                        60,
                        TimeUnit.SECONDS,
                        queue,
                        searchThreads(properties.faissThreads()),
                        new ThreadPoolExecutor.AbortPolicy());
        this.pool.allowCoreThreadTimeOut(true);
        this.timeoutMillis = properties.timeout().toMillis();
        Gauge.builder("fsb.search.queue.size", pool, executor -> executor.getQueue().size())
                .description("Searches waiting for a search thread")
                .register(meters);
        Gauge.builder("fsb.search.active", pool, ThreadPoolExecutor::getActiveCount)
                .description("Searches running")
                .register(meters);
    }

    /** Runs the work on a search thread and waits for it, at most {@code fsb.search.timeout}. */
    <T> T run(Callable<T> work) {
        Future<T> future;
        try {
            future = pool.submit(work);
        } catch (RejectedExecutionException ex) {
            throw new SearchBusyException(
                    "every search thread is busy and the queue is full; retry shortly");
        }
        try {
            return future.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException ex) {
            future.cancel(true);
            throw new SearchTimeoutException("the search did not finish within fsb.search.timeout");
        } catch (InterruptedException ex) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new SearchTimeoutException("interrupted while waiting for the search");
        } catch (ExecutionException ex) {
            throw Causes.unchecked(ex, "search failed");
        }
    }

    /**
     * Waits for work running elsewhere (a batched scan) until {@code fsb.search.timeout} after
     * {@code startNanos}, the search's start.
     */
    <T> T await(CompletableFuture<T> future, long startNanos) {
        long left = timeoutMillis * 1_000_000 - (System.nanoTime() - startNanos);
        try {
            return future.get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException ex) {
            throw new SearchTimeoutException("the search did not finish within fsb.search.timeout");
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new SearchTimeoutException("interrupted while waiting for the search");
        } catch (ExecutionException ex) {
            throw Causes.unchecked(ex, "search failed");
        }
    }

    @Override
    public void destroy() {
        pool.shutdownNow();
    }

    private static ThreadFactory searchThreads(int faissThreads) {
        AtomicInteger count = new AtomicInteger();
        return work -> {
            Thread thread =
                    new Thread(
                            () -> {
                                FaissLibrary.setThreads(faissThreads);
                                work.run();
                            },
                            "search-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
