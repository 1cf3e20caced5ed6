package dev.faissshard.fetch;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Politeness per host for HTTP downloads: decides when each download may start, so that no host has
 * more than its limit in flight, no host gets requests faster than its rate, and a host that
 * answered 429 / 503 gets none until its backoff ({@code Retry-After}, capped, or adaptive) ends.
 *
 * <p>Downloads wait here in a queue per host, not on a download thread: while one host backs off,
 * the global concurrency goes to the others. A throttled download is put back at the head of its
 * host's queue and tried again after the backoff, within the image's re-queue budget; past it the
 * image fails as {@link FailureReason#THROTTLED}, as it does after {@value #MAX_TRIES} throttled
 * answers whatever the time. After a throttled answer a host gets one request at a time until one
 * succeeds, so that the end of a backoff is probed, not stormed.
 *
 * <p>Thread-safe: all state is guarded by this object's lock; downloads run outside it, and futures
 * are completed outside it.
 */
final class HostScheduler {

    /** One download attempt, run on a download thread. */
    interface Attempt {
        byte[] run(Abort abort) throws ImageRejectedException;
    }

    private static final int FORGET_ABOVE = 1024;

    /** Throttled answers one image may get before it is given up whatever its budget. */
    static final int MAX_TRIES = 10;

    /** Shortest pause after a throttled answer, even for {@code Retry-After: 0}. */
    private static final long MIN_PAUSE = TimeUnit.MILLISECONDS.toNanos(100);

    private final int globalLimit;
    private final HostRules rules;
    private final Executor threads;
    private final ScheduledExecutorService timer;
    private final HostMetrics metrics;
    private final long firstBackoff;
    private final long maxBackoff;
    private final long budget;
    private final Map<String, HostState> hosts = new HashMap<>();
    private final Set<HostState> waiting = new LinkedHashSet<>();
    private int inFlight;

    /**
     * @param threads runs the downloads; needs {@code fetch.concurrency} threads
     * @param timer wakes hosts whose backoff or rate spacing ended
     */
    HostScheduler(
            FetchProperties properties,
            HostRules rules,
            Executor threads,
            ScheduledExecutorService timer,
            HostMetrics metrics) {
        this.globalLimit = properties.concurrency();
        this.rules = rules;
        this.threads = threads;
        this.timer = timer;
        this.metrics = metrics;
        this.firstBackoff = properties.throttleBackoff().toNanos();
        this.maxBackoff = properties.maxRetryAfter().toNanos();
        this.budget = properties.throttleBudget().toNanos();
        metrics.bind(this);
    }

    /**
     * Queues a download of {@code url} on {@code host}. Cancelling the returned future drops it
     * from the queue, or aborts it when it is running.
     */
    CompletableFuture<byte[]> submit(URI url, String host, Attempt attempt) {
        Task task = new Task(url, attempt);
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            if (hosts.size() > FORGET_ABOVE) {
                forgetIdle(System.nanoTime());
            }
            HostState state =
                    hosts.computeIfAbsent(
                            host,
                            name -> new HostState(name, rules.limits(name), System.nanoTime()));
            task.host = state;
            state.queue.addLast(task);
            waiting.add(state);
            dispatch(completions);
        }
        task.result.whenComplete(
                (body, failure) -> {
                    if (task.result.isCancelled()) {
                        cancel(task);
                    }
                });
        completions.forEach(Runnable::run);
        return task.result;
    }

    /** Seconds left of the longest backoff among the hosts of {@code hostClass}. */
    synchronized double backoffSeconds(String hostClass) {
        long now = System.nanoTime();
        long longest = 0;
        for (HostState host : hosts.values()) {
            if (host.limits.hostClass().equals(hostClass)) {
                longest = Math.max(longest, host.backoffUntil - now);
            }
        }
        return longest / 1e9;
    }

    private synchronized void cancel(Task task) {
        if (!task.host.queue.remove(task)) {
            task.abort.abort();
        }
    }

    /** Starts what may start now, fails what waited past its budget, and sets wake-ups. */
    private void dispatch(List<Runnable> completions) {
        long now = System.nanoTime();
        for (Iterator<HostState> it = waiting.iterator(); it.hasNext(); ) {
            HostState host = it.next();
            if (host.backoffUntil - now > 0) {
                failOverBudget(host, now, completions);
                wake(host, host.backoffUntil, now);
            } else {
                while (!host.queue.isEmpty()
                        && inFlight < globalLimit
                        && host.inFlight < host.concurrency()) {
                    if (host.nextStart - now > 0) {
                        wake(host, host.nextStart, now);
                        break;
                    }
                    Task task = host.queue.pollFirst();
                    if (!task.result.isDone()) {
                        start(host, task, now, completions);
                    }
                }
            }
            if (host.queue.isEmpty()) {
                it.remove();
            }
        }
    }

    private void start(HostState host, Task task, long now, List<Runnable> completions) {
        host.inFlight++;
        inFlight++;
        metrics.started(host.limits.hostClass());
        host.nextStart = now + host.limits.spacingNanos();
        task.startedAt = now;
        try {
            threads.execute(() -> attempt(task));
        } catch (RejectedExecutionException ex) {
            release(host);
            completions.add(
                    () ->
                            task.result.completeExceptionally(
                                    new ImageRejectedException(
                                            FailureReason.CONNECTION,
                                            "the fetcher is shutting down (" + task.url + ")",
                                            ex)));
        }
    }

    private void attempt(Task task) {
        byte[] body = null;
        Throwable failure;
        try {
            body = task.attempt.run(task.abort);
            failure = null;
        } catch (ImageRejectedException | RuntimeException ex) {
            failure = ex;
        }
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            HostState host = task.host;
            release(host);
            long now = System.nanoTime();
            if (failure instanceof ThrottledException throttled) {
                backOff(host, task, throttled, now);
                requeueOrFail(host, task, throttled, now, completions);
            } else {
                if (body != null && task.startedAt - host.lastThrottleAt > 0) {
                    host.level = 0;
                    host.probing = false;
                }
                byte[] done = body;
                Throwable failed = failure;
                completions.add(
                        () -> {
                            if (failed == null) {
                                task.result.complete(done);
                            } else {
                                task.result.completeExceptionally(failed);
                            }
                        });
            }
            dispatch(completions);
            forgetIfIdle(host, now);
        }
        completions.forEach(Runnable::run);
    }

    /**
     * Leaves the host alone for as long as it asked, at most {@code max-retry-after}; without
     * {@code Retry-After} for a doubling, jittered pause. Answers to requests that were already in
     * flight when the host first complained do not double the pause again.
     */
    private void backOff(HostState host, Task task, ThrottledException throttled, long now) {
        metrics.throttled(host.limits.hostClass());
        long pause;
        if (throttled.retryAfter().isPresent()) {
            pause =
                    Math.max(
                            MIN_PAUSE,
                            Math.min(saturatedNanos(throttled.retryAfter().get()), maxBackoff));
        } else if (task.startedAt - host.lastThrottleAt > 0) {
            long delay = firstBackoff;
            for (int i = 0; i < host.level && delay < maxBackoff; i++) {
                delay *= 2;
            }
            delay = Math.min(delay, maxBackoff);
            pause = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
            host.level++;
        } else {
            pause = 0;
        }
        host.lastThrottleAt = now;
        host.probing = true;
        host.lastThrottle = throttled.detail();
        if (now + pause - host.backoffUntil > 0) {
            host.backoffUntil = now + pause;
        }
    }

    private void requeueOrFail(
            HostState host,
            Task task,
            ThrottledException throttled,
            long now,
            List<Runnable> completions) {
        if (task.result.isDone()) {
            return;
        }
        if (task.waitingSince == Task.NOT_WAITING) {
            task.waitingSince = now;
        }
        task.throttled++;
        if (task.throttled >= MAX_TRIES) {
            completions.add(
                    () ->
                            task.result.completeExceptionally(
                                    new ImageRejectedException(
                                            FailureReason.THROTTLED,
                                            throttled.detail()
                                                    + ", "
                                                    + MAX_TRIES
                                                    + " times in a row")));
        } else if (host.backoffUntil - task.waitingSince > budget) {
            completions.add(() -> task.result.completeExceptionally(overBudget(host, task)));
        } else {
            host.queue.addFirst(task);
            waiting.add(host);
        }
    }

    private void failOverBudget(HostState host, long now, List<Runnable> completions) {
        for (Iterator<Task> it = host.queue.iterator(); it.hasNext(); ) {
            Task task = it.next();
            if (task.waitingSince == Task.NOT_WAITING) {
                task.waitingSince = now;
            }
            if (host.backoffUntil - task.waitingSince > budget) {
                it.remove();
                completions.add(() -> task.result.completeExceptionally(overBudget(host, task)));
            }
        }
    }

    private ImageRejectedException overBudget(HostState host, Task task) {
        return new ImageRejectedException(
                FailureReason.THROTTLED,
                "the host is backing off after "
                        + (host.lastThrottle == null ? "a throttled answer" : host.lastThrottle)
                        + " until past the image's re-queue budget of "
                        + Duration.ofNanos(budget).toSeconds()
                        + " s ("
                        + task.url
                        + ")");
    }

    private void release(HostState host) {
        host.inFlight--;
        inFlight--;
        metrics.finished(host.limits.hostClass());
    }

    private void wake(HostState host, long at, long now) {
        if (host.wakeAt - now > 0 && host.wakeAt - at <= 0) {
            return;
        }
        host.wakeAt = at;
        try {
            timer.schedule(this::redispatch, Math.max(0, at - now), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException ex) {
            // Shutting down: what is queued is failed by nobody, but nobody waits for it either.
        }
    }

    private void redispatch() {
        List<Runnable> completions = new ArrayList<>();
        synchronized (this) {
            dispatch(completions);
        }
        completions.forEach(Runnable::run);
    }

    private void forgetIfIdle(HostState host, long now) {
        if (host.queue.isEmpty()
                && host.inFlight == 0
                && host.level == 0
                && host.backoffUntil - now <= 0
                && host.nextStart - now <= 0) {
            hosts.remove(host.name, host);
        }
    }

    /** Throttled hosts are remembered for a while after their backoff; then forgotten too. */
    private void forgetIdle(long now) {
        hosts.values()
                .removeIf(
                        host ->
                                host.queue.isEmpty()
                                        && host.inFlight == 0
                                        && now - host.backoffUntil > 2 * maxBackoff);
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException ex) {
            return Long.MAX_VALUE;
        }
    }

    /** What is known of one host while it has work or a recent throttled answer. */
    private static final class HostState {

        final String name;
        final HostRules.Limits limits;
        final ArrayDeque<Task> queue = new ArrayDeque<>();
        int inFlight;
        long nextStart;
        long backoffUntil;
        long lastThrottleAt;
        long wakeAt;
        int level;
        boolean probing;
        String lastThrottle;

        HostState(String name, HostRules.Limits limits, long now) {
            this.name = name;
            this.limits = limits;
            this.nextStart = now;
            this.backoffUntil = now;
            this.lastThrottleAt = now - 1;
            this.wakeAt = now;
        }

        int concurrency() {
            return probing ? 1 : limits.concurrency();
        }
    }

    private static final class Task {

        static final long NOT_WAITING = Long.MIN_VALUE;

        final URI url;
        final Attempt attempt;
        final Abort abort = new Abort();
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        HostState host;
        long startedAt;
        long waitingSince = NOT_WAITING;
        int throttled;

        Task(URI url, Attempt attempt) {
            this.url = url;
            this.attempt = attempt;
        }
    }
}
