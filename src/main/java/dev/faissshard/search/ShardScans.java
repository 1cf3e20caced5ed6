package dev.faissshard.search;

import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissLibrary;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * Scans the shards of one index type for many queries at once. A flat scan is bound by memory
 * traffic: one query reads every stored vector once, and so do 32 queries scanned together. So the
 * shards of one type of one snapshot are scanned as a ring of row ranges (a few thousand rows
 * each), over and over while queries wait: a query joins the scan at the next range taken, rides
 * along for one full turn of the ring, and is answered when it has met every range once. Each range
 * is scanned for every query riding at that moment (up to {@code fsb.search.max-batch}; more wait
 * for a seat), so concurrent queries share the memory traffic, and none waits for a whole pass of
 * others to end before its own starts: its latency is one pass, not up to two. When no scan of the
 * shards runs, the first query starts one after {@code fsb.search.batch-window} (default 1 ms, 0
 * for at once), time enough for the other clients answered together with it to join from the start.
 *
 * <p>The ranges are scanned by {@code fsb.search.scan-threads} threads of their own, consecutive
 * ranges on different threads, so a single query already uses every core. Each range yields the k
 * best of its rows for each of its queries; the caller merges them, so the answer is exact. Shards
 * that cannot be scanned by rows (approximate factories) are one range each, searched through
 * FAISS's own search with {@code fsb.search.faiss-threads} OpenMP threads.
 *
 * <p>Every query keeps a reference on its shards until it has met its last range, so a search that
 * gave up waiting (its snapshot released) never leaves a scan reading freed memory.
 */
@Component
class ShardScans implements DisposableBean {

    /**
     * Rows of one range: small enough that a query joins a running scan soon and the ranges of a
     * pass spread evenly over the threads, large enough that a range's fixed costs (JNI, copying
     * its queries) stay negligible next to reading its rows.
     */
    private static final int ROWS_PER_TASK = 4096;

    private final ThreadPoolExecutor pool;
    private final ScheduledExecutorService starter;
    private final long windowNanos;
    private final int maxBatch;
    private final int threads;
    private final Map<List<LoadedShard>, Lane> lanes = new ConcurrentHashMap<>();
    private final DistributionSummary batchSizes;

    ShardScans(SearchProperties properties, MeterRegistry meters) {
        this.threads = properties.effectiveScanThreads();
        int faissThreads = properties.faissThreads();
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(
                        threads,
                        threads,
                        60,
                        TimeUnit.SECONDS,
                        // Bounded by the lanes: each runs at most scan-threads workers.
                        new LinkedBlockingQueue<>(),
                        work -> {
                            Thread thread =
                                    new Thread(
                                            () -> {
                                                FaissLibrary.setThreads(faissThreads);
                                                work.run();
                                            },
                                            "search-scan-" + count.incrementAndGet());
                            thread.setDaemon(true);
                            return thread;
                        });
        executor.allowCoreThreadTimeOut(true);
        this.pool = executor;
        this.windowNanos = properties.batchWindow().toNanos();
        this.starter =
                Executors.newSingleThreadScheduledExecutor(
                        work -> {
                            Thread thread = new Thread(work, "search-batch-window");
                            thread.setDaemon(true);
                            return thread;
                        });
        this.maxBatch = properties.maxBatch();
        this.batchSizes =
                DistributionSummary.builder("fsb.search.batch.size")
                        .description(
                                "Queries scanned together over one row range of a type's shards")
                        .register(meters);
    }

    /**
     * The k best candidates of every shard for one query, unmerged and unsorted: at least the k
     * best of each shard (missing ones left out). The shards must all have the query's dimension
     * and the caller must hold them (its snapshot) while it submits.
     */
    CompletableFuture<List<Candidate>> submit(List<LoadedShard> shards, float[] query, int k) {
        if (shards.stream().allMatch(shard -> shard.rows() == 0)) {
            return CompletableFuture.completedFuture(List.of());
        }
        Pending pending = new Pending(shards, query, k);
        int[] start = new int[2];
        lanes.compute(
                shards,
                (key, lane) -> {
                    Lane current = lane == null ? new Lane(ranges(shards)) : lane;
                    current.waiting.add(pending);
                    int wanted = Math.min(threads, current.tasks.size());
                    if (current.workers == 0) {
                        start[1] = 1;
                    }
                    start[0] = wanted - current.workers;
                    current.workers = wanted;
                    return current;
                });
        if (start[0] > 0) {
            if (start[1] == 1 && windowNanos > 0) {
                try {
                    starter.schedule(
                            () -> startWorkers(shards, start[0]),
                            windowNanos,
                            TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException stopping) {
                    startWorkers(shards, start[0]);
                }
            } else {
                startWorkers(shards, start[0]);
            }
        }
        return pending.result;
    }

    @Override
    public void destroy() {
        starter.shutdownNow();
        pool.shutdownNow();
    }

    private static List<Task> ranges(List<LoadedShard> shards) {
        List<Task> tasks = new ArrayList<>();
        for (LoadedShard shard : shards) {
            if (shard.rows() == 0) {
                continue;
            }
            if (!shard.scansRows()) {
                tasks.add(new Task(shard, -1, -1));
                continue;
            }
            int parts = (shard.rows() + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
            for (int part = 0; part < parts; part++) {
                // Even parts, so the last is not a sliver.
                int from = (int) ((long) shard.rows() * part / parts);
                int to = (int) ((long) shard.rows() * (part + 1) / parts);
                tasks.add(new Task(shard, from, to));
            }
        }
        return List.copyOf(tasks);
    }

    /** Starts workers the lane already counts. */
    private void startWorkers(List<LoadedShard> shards, int count) {
        for (int i = 0; i < count; i++) {
            try {
                pool.execute(() -> work(shards));
            } catch (RejectedExecutionException ex) {
                // Shut down: the service is stopping.
                abandon(shards, count - i, ex);
                return;
            }
        }
    }

    /** Takes ranges of the lane and scans them until none is left to take. */
    private void work(List<LoadedShard> shards) {
        Dispatch dispatch = next(shards, null);
        while (dispatch != null) {
            scan(dispatch);
            dispatch = next(shards, dispatch);
        }
    }

    /**
     * Answers the queries that the finished range completed, seats waiting ones, and takes the next
     * range of the ring with every query that still needs it; null when no query needs another
     * range now (the worker ends).
     */
    private Dispatch next(List<LoadedShard> shards, Dispatch finished) {
        AtomicReference<Dispatch> taken = new AtomicReference<>();
        List<Pending> completed = new ArrayList<>();
        int[] extra = new int[1];
        lanes.compute(
                shards,
                (key, lane) -> {
                    if (finished != null) {
                        for (Pending member : finished.members) {
                            if (member.remaining.get() == 0 && lane.active.remove(member)) {
                                completed.add(member);
                            }
                        }
                    }
                    int ring = lane.tasks.size();
                    while (lane.active.size() < maxBatch && !lane.waiting.isEmpty()) {
                        Pending seated = lane.waiting.poll();
                        seated.seat(lane.next, lane.tasks);
                        lane.active.add(seated);
                    }
                    long turn = lane.next;
                    List<Pending> members = new ArrayList<>(lane.active.size());
                    for (Pending rider : lane.active) {
                        if (turn < rider.first + ring) {
                            members.add(rider);
                        }
                    }
                    if (members.isEmpty()) {
                        lane.workers--;
                        return lane.idle() ? null : lane;
                    }
                    lane.next++;
                    int index = (int) (turn % ring);
                    taken.set(new Dispatch(lane.tasks.get(index), index, members));
                    // A worker that found nothing to take ended; queries seated since need it back.
                    int wanted = Math.min(threads, ring);
                    if (lane.workers < wanted) {
                        extra[0] = wanted - lane.workers;
                        lane.workers = wanted;
                    }
                    return lane;
                });
        for (Pending pending : completed) {
            pending.answer();
        }
        if (extra[0] > 0) {
            startWorkers(shards, extra[0]);
        }
        return taken.get();
    }

    private void scan(Dispatch dispatch) {
        List<Pending> members = dispatch.members;
        batchSizes.record(members.size());
        int dimension = members.get(0).query.length;
        int k = 1;
        float[] queries = new float[members.size() * dimension];
        for (int i = 0; i < members.size(); i++) {
            System.arraycopy(members.get(i).query, 0, queries, i * dimension, dimension);
            k = Math.max(k, members.get(i).k);
        }
        Task task = dispatch.task;
        FaissIndex.SearchResult result = null;
        Throwable failure = null;
        try {
            result =
                    task.from < 0
                            ? task.shard.search(queries, k)
                            : task.shard.searchRows(queries, k, task.from, task.to);
        } catch (RuntimeException | Error ex) {
            failure = ex;
        }
        for (int i = 0; i < members.size(); i++) {
            members.get(i).met(dispatch.index, result, i, failure);
        }
    }

    /** Fails every query of a lane whose workers could not start, once no worker is left. */
    private void abandon(List<LoadedShard> shards, int notStarted, Throwable cause) {
        List<Pending> failed = new ArrayList<>();
        lanes.compute(
                shards,
                (key, lane) -> {
                    lane.workers -= notStarted;
                    if (lane.workers > 0) {
                        return lane;
                    }
                    failed.addAll(lane.active);
                    failed.addAll(lane.waiting);
                    return null;
                });
        for (Pending pending : failed) {
            pending.fail(cause);
        }
    }

    /** One stored vector found for a query: its shard, FAISS id and score. */
    record Candidate(LoadedShard shard, long faissId, float score) {}

    /**
     * The ring of one set of shards: its ranges, the turn of the next range taken, the queries
     * riding and those waiting for a seat, and the workers counted as running (or about to start).
     */
    private static final class Lane {
        final List<Task> tasks;
        final ArrayDeque<Pending> waiting = new ArrayDeque<>();
        final List<Pending> active = new ArrayList<>();
        long next;
        int workers;

        Lane(List<Task> tasks) {
            this.tasks = tasks;
        }

        boolean idle() {
            return workers == 0 && active.isEmpty() && waiting.isEmpty();
        }
    }

    private static final class Pending {
        final List<LoadedShard> shards;
        final float[] query;
        final int k;
        final CompletableFuture<List<Candidate>> result = new CompletableFuture<>();
        final AtomicInteger remaining = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        // Written when seated, before any range takes this query (under the lane's lock).
        long first;
        List<Task> ring;
        FaissIndex.SearchResult[] results;
        int[] rows;

        Pending(List<LoadedShard> shards, float[] query, int k) {
            List<LoadedShard> held = new ArrayList<>(shards.size());
            for (LoadedShard shard : shards) {
                if (!shard.retain()) {
                    held.forEach(LoadedShard::release);
                    throw new IllegalStateException(
                            "a shard was freed while its snapshot was held");
                }
                held.add(shard);
            }
            this.shards = held;
            this.query = query;
            this.k = k;
        }

        void seat(long turn, List<Task> tasks) {
            first = turn;
            ring = tasks;
            results = new FaissIndex.SearchResult[tasks.size()];
            rows = new int[tasks.size()];
            remaining.set(tasks.size());
        }

        /** Records one range's result (row {@code row} of it is this query's). */
        void met(int index, FaissIndex.SearchResult result, int row, Throwable failed) {
            results[index] = result;
            rows[index] = row;
            if (failed != null) {
                failure.compareAndSet(null, failed);
            }
            remaining.decrementAndGet();
        }

        /** Completes the query once it has met every range (the decrements publish the results). */
        void answer() {
            try {
                Throwable failed = failure.get();
                if (failed != null) {
                    result.completeExceptionally(failed);
                    return;
                }
                List<Candidate> candidates = new ArrayList<>();
                for (int t = 0; t < results.length; t++) {
                    FaissIndex.SearchResult found = results[t];
                    LoadedShard shard = ring.get(t).shard;
                    for (int rank = 0; rank < k && rank < found.k(); rank++) {
                        long id = found.id(rows[t], rank);
                        if (id >= 0) {
                            candidates.add(new Candidate(shard, id, found.distance(rows[t], rank)));
                        }
                    }
                }
                result.complete(candidates);
            } finally {
                shards.forEach(LoadedShard::release);
            }
        }

        void fail(Throwable cause) {
            try {
                result.completeExceptionally(cause);
            } finally {
                shards.forEach(LoadedShard::release);
            }
        }
    }

    private record Task(LoadedShard shard, int from, int to) {}

    private record Dispatch(Task task, int index, List<Pending> members) {}
}
