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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
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
 * queries of one set of shards (one type of one snapshot) are batched naturally: a query that
 * arrives while a batch of the same shards runs waits for that batch to end and goes, with every
 * other query that arrived meanwhile (up to {@code fsb.search.max-batch}), into the next. A query
 * that finds no batch running starts one after {@code fsb.search.batch-window} (default 1 ms, 0 for
 * at once): clients that all got their answers from one batch send their next queries within about
 * that time, and one batch of all of them costs one pass over memory where a lone first query
 * followed by a batch of the rest would cost two.
 *
 * <p>A batch is split into row ranges of its shards, run on {@code fsb.search.scan-threads} threads
 * of their own, so one batch uses every core while it runs. Each range yields the k best of its
 * rows for every query of the batch; the caller merges the ranges, so the answer is exact. Shards
 * that cannot be scanned by rows (approximate factories) go through FAISS's own search, whole, with
 * {@code fsb.search.faiss-threads} OpenMP threads.
 *
 * <p>Every query keeps a reference on its shards until its batch has ended, so a search that gave
 * up waiting (its snapshot released) never leaves a batch scanning freed memory.
 */
@Component
class ShardScans implements DisposableBean {

    /**
     * Rows of one task: small enough that a batch's tasks spread evenly over the threads, large
     * enough that a task's fixed costs (JNI, copying the batch's queries) stay negligible.
     */
    private static final int ROWS_PER_TASK = 4096;

    private final ExecutorService pool;
    private final ScheduledExecutorService starter;
    private final long windowNanos;
    private final int maxBatch;
    private final Map<List<LoadedShard>, Lane> lanes = new ConcurrentHashMap<>();
    private final DistributionSummary batchSizes;

    ShardScans(SearchProperties properties, MeterRegistry meters) {
        int threads = properties.effectiveScanThreads();
        int faissThreads = properties.faissThreads();
        AtomicInteger count = new AtomicInteger();
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(
                        threads,
                        threads,
                        60,
                        TimeUnit.SECONDS,
                        // Bounded by the batches: at most one per lane runs, and each holds a few
                        // tasks per shard.
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
                        .description("Queries scanned together in one pass over a type's shards")
                        .register(meters);
    }

    /**
     * The k best candidates of every shard for one query, unmerged and unsorted: at least the k
     * best of each shard (missing ones left out). The shards must all have the query's dimension
     * and the caller must hold them (its snapshot) while it submits.
     */
    CompletableFuture<List<Candidate>> submit(List<LoadedShard> shards, float[] query, int k) {
        Pending pending = new Pending(shards, query, k);
        boolean[] idle = new boolean[1];
        lanes.compute(
                shards,
                (key, lane) -> {
                    Lane current = lane == null ? new Lane() : lane;
                    current.pending.add(pending);
                    if (!current.running) {
                        current.running = true;
                        idle[0] = true;
                    }
                    return current;
                });
        if (idle[0]) {
            if (windowNanos == 0) {
                start(shards);
            } else {
                try {
                    starter.schedule(() -> start(shards), windowNanos, TimeUnit.NANOSECONDS);
                } catch (RuntimeException stopping) {
                    start(shards);
                }
            }
        }
        return pending.result;
    }

    @Override
    public void destroy() {
        starter.shutdownNow();
        pool.shutdownNow();
    }

    /** Runs what waits in the lane, which is marked running and holds at least one query. */
    private void start(List<LoadedShard> shards) {
        AtomicReference<List<Pending>> batch = new AtomicReference<>();
        lanes.compute(
                shards,
                (key, lane) -> {
                    batch.set(lane.take(maxBatch));
                    return lane;
                });
        run(shards, batch.get());
    }

    private void run(List<LoadedShard> shards, List<Pending> batch) {
        batchSizes.record(batch.size());
        int dimension = batch.get(0).query.length;
        int k = 1;
        float[] queries = new float[batch.size() * dimension];
        for (int i = 0; i < batch.size(); i++) {
            System.arraycopy(batch.get(i).query, 0, queries, i * dimension, dimension);
            k = Math.max(k, batch.get(i).k);
        }
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
        Batch running = new Batch(shards, batch, tasks);
        if (tasks.isEmpty()) {
            finish(running);
            return;
        }
        for (int i = 0; i < tasks.size(); i++) {
            int index = i;
            int batchK = k;
            try {
                pool.execute(
                        () -> {
                            try {
                                Task task = tasks.get(index);
                                running.results[index] =
                                        task.from < 0
                                                ? task.shard.search(queries, batchK)
                                                : task.shard.searchRows(
                                                        queries, batchK, task.from, task.to);
                            } catch (RuntimeException | Error ex) {
                                running.failure.compareAndSet(null, ex);
                            }
                            if (running.remaining.decrementAndGet() == 0) {
                                finish(running);
                            }
                        });
            } catch (RuntimeException ex) {
                // Shut down: the service is stopping.
                running.failure.compareAndSet(null, ex);
                if (running.remaining.addAndGet(-(tasks.size() - index)) == 0) {
                    finish(running);
                }
                return;
            }
        }
    }

    private void finish(Batch batch) {
        Throwable failure = batch.failure.get();
        for (int q = 0; q < batch.queries.size(); q++) {
            Pending pending = batch.queries.get(q);
            try {
                if (failure != null) {
                    pending.result.completeExceptionally(failure);
                    continue;
                }
                List<Candidate> candidates = new ArrayList<>();
                for (int t = 0; t < batch.tasks.size(); t++) {
                    FaissIndex.SearchResult result = batch.results[t];
                    LoadedShard shard = batch.tasks.get(t).shard;
                    for (int rank = 0; rank < pending.k && rank < result.k(); rank++) {
                        long id = result.id(q, rank);
                        if (id >= 0) {
                            candidates.add(new Candidate(shard, id, result.distance(q, rank)));
                        }
                    }
                }
                pending.result.complete(candidates);
            } finally {
                pending.shards.forEach(LoadedShard::release);
            }
        }
        AtomicReference<List<Pending>> next = new AtomicReference<>();
        lanes.compute(
                batch.shards,
                (key, lane) -> {
                    if (lane.pending.isEmpty()) {
                        return null;
                    }
                    next.set(lane.take(maxBatch));
                    return lane;
                });
        if (next.get() != null) {
            run(batch.shards, next.get());
        }
    }

    /** One stored vector found for a query: its shard, FAISS id and score. */
    record Candidate(LoadedShard shard, long faissId, float score) {}

    /** The queries of one set of shards: waiting ones, and whether a batch of them runs. */
    private static final class Lane {
        final ArrayDeque<Pending> pending = new ArrayDeque<>();
        boolean running;

        List<Pending> take(int max) {
            List<Pending> batch = new ArrayList<>(Math.min(max, pending.size()));
            while (batch.size() < max && !pending.isEmpty()) {
                batch.add(pending.poll());
            }
            return batch;
        }
    }

    private static final class Pending {
        final List<LoadedShard> shards;
        final float[] query;
        final int k;
        final CompletableFuture<List<Candidate>> result = new CompletableFuture<>();

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
    }

    private record Task(LoadedShard shard, int from, int to) {}

    private static final class Batch {
        final List<LoadedShard> shards;
        final List<Pending> queries;
        final List<Task> tasks;
        final FaissIndex.SearchResult[] results;
        final AtomicInteger remaining;
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Batch(List<LoadedShard> shards, List<Pending> queries, List<Task> tasks) {
            this.shards = shards;
            this.queries = queries;
            this.tasks = tasks;
            this.results = new FaissIndex.SearchResult[tasks.size()];
            this.remaining = new AtomicInteger(tasks.size());
        }
    }
}
