package dev.faissshard.fetch;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Runs asynchronous tasks with at most {@code limit} in flight; the rest wait in order. Nothing blocks a
 * thread while waiting, so a whole batch can be submitted at once.
 */
final class ConcurrencyLimiter {

    private final int limit;
    private final Queue<Runnable> waiting = new ArrayDeque<>();
    private int running;

    ConcurrencyLimiter(int limit) {
        this.limit = limit;
    }

    <T> CompletableFuture<T> submit(Supplier<CompletableFuture<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        Runnable start = () -> {
            CompletableFuture<T> started;
            try {
                started = task.get();
            }
            catch (RuntimeException ex) {
                started = CompletableFuture.failedFuture(ex);
            }
            started.whenComplete((value, failure) -> {
                release();
                if (failure != null) {
                    result.completeExceptionally(failure);
                }
                else {
                    result.complete(value);
                }
            });
        };
        boolean runNow;
        synchronized (this) {
            runNow = running < limit;
            if (runNow) {
                running++;
            }
            else {
                waiting.add(start);
            }
        }
        if (runNow) {
            start.run();
        }
        return result;
    }

    synchronized int inFlight() {
        return running;
    }

    private void release() {
        Runnable next;
        synchronized (this) {
            next = waiting.poll();
            if (next == null) {
                running--;
            }
        }
        if (next != null) {
            next.run();
        }
    }
}
