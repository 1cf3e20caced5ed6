package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.storage.ObjectNotFoundException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;

/**
 * The indexes being served, each as its current {@link IndexSnapshot}, following their manifests:
 * every {@code fsb.search.refresh-interval} the manifests of every loaded index are read again, and
 * when they changed, the new shards are loaded (the unchanged ones are shared) and the new snapshot
 * replaces the old in one step. A search holds the snapshot it started with, so it never meets a
 * half-loaded index, and a refresh that fails (a shard deleted under it by a later seal, a checksum
 * mismatch, no room) leaves the old snapshot serving.
 */
@Component
class ServedIndexes implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(ServedIndexes.class);

    /**
     * Tries of one load when the build deletes (seals away) segments between manifest and shard
     * reads.
     */
    private static final int LOAD_ATTEMPTS = 4;

    private final StoredIndexReader reader;
    private final ShardCache cache;
    private final int maxIndexes;
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    private final ScheduledExecutorService refresher;

    ServedIndexes(StoredIndexReader reader, ShardCache cache, SearchProperties properties) {
        this.reader = reader;
        this.cache = cache;
        this.maxIndexes = properties.maxIndexes();
        this.refresher =
                Executors.newSingleThreadScheduledExecutor(
                        new CustomizableThreadFactory("search-refresh-"));
        long interval = properties.refreshInterval().toMillis();
        refresher.scheduleWithFixedDelay(
                this::refreshAll, interval, interval, TimeUnit.MILLISECONDS);
    }

    /**
     * The current snapshot of the index at {@code prefix} (validated), loading it first if needed,
     * with a reference taken: release it when the search ends.
     *
     * @throws IndexNotFoundException when storage holds no index there
     */
    IndexSnapshot open(String prefix) {
        for (; ; ) {
            Served entry = served.computeIfAbsent(prefix, Served::new);
            entry.lastUsed = System.nanoTime();
            IndexSnapshot current = entry.current;
            if (current != null && current.retain()) {
                return current;
            }
            entry.lock.lock();
            try {
                if (served.get(prefix) != entry) {
                    continue; // evicted meanwhile
                }
                if (entry.current == null) {
                    try {
                        makeRoomForIndexes(entry);
                        refresh(entry);
                    } catch (RuntimeException ex) {
                        if (entry.current == null) {
                            served.remove(prefix, entry);
                        }
                        throw ex;
                    }
                }
            } finally {
                entry.lock.unlock();
            }
        }
    }

    /**
     * The current snapshot of the index at {@code prefix} with a reference taken, if it is loaded
     * already; never loads (nor waits for a load).
     */
    Optional<IndexSnapshot> openLoaded(String prefix) {
        Served entry = served.get(prefix);
        if (entry == null) {
            return Optional.empty();
        }
        IndexSnapshot current = entry.current;
        if (current == null || !current.retain()) {
            return Optional.empty();
        }
        entry.lastUsed = System.nanoTime();
        return Optional.of(current);
    }

    /** Reads the manifests of every loaded index again and swaps in what changed. */
    void refreshAll() {
        for (Served entry : List.copyOf(served.values())) {
            entry.lock.lock();
            try {
                if (entry.current != null) {
                    refresh(entry);
                }
            } catch (RuntimeException ex) {
                entry.lastProblem = ex.getClass().getSimpleName();
                log.warn(
                        "Keeping the loaded snapshot of index '{}': refreshing it failed ({})",
                        entry.prefix,
                        ex.getMessage());
            } finally {
                entry.lock.unlock();
            }
        }
    }

    /** What health shows per loaded index. */
    Map<String, Map<String, Object>> view() {
        Map<String, Map<String, Object>> view = new LinkedHashMap<>();
        served.values().stream()
                .sorted(Comparator.comparing(entry -> entry.prefix))
                .forEach(
                        entry -> {
                            IndexSnapshot current = entry.current;
                            if (current == null) {
                                return;
                            }
                            Map<String, Object> details = new LinkedHashMap<>();
                            Instant published = current.description().publishedAt();
                            details.put(
                                    "publishedAt", published == null ? null : published.toString());
                            details.put("complete", current.description().complete());
                            details.put("version", current.version());
                            details.put("shards", current.description().shards().size());
                            if (entry.lastProblem != null) {
                                details.put("lastRefreshProblem", entry.lastProblem);
                            }
                            view.put(entry.prefix.isEmpty() ? "/" : entry.prefix, details);
                        });
        return view;
    }

    @Override
    public void destroy() {
        refresher.shutdownNow();
        for (Served entry : List.copyOf(served.values())) {
            entry.lock.lock();
            try {
                drop(entry);
            } finally {
                entry.lock.unlock();
            }
        }
    }

    private void refresh(Served entry) {
        for (int attempt = 1; ; attempt++) {
            Optional<IndexDescription> description = reader.describe(entry.prefix);
            if (description.isEmpty()) {
                drop(entry);
                throw new IndexNotFoundException("no index at the requested prefix");
            }
            IndexSnapshot current = entry.current;
            if (current != null && current.description().equals(description.get())) {
                entry.lastProblem = null;
                return;
            }
            try {
                IndexSnapshot next =
                        load(description.get(), current == null ? 1 : current.version() + 1, entry);
                entry.current = next;
                entry.lastProblem = null;
                if (current != null) {
                    current.release();
                }
                return;
            } catch (ObjectNotFoundException ex) {
                // A later commit sealed the segments this manifest names and deleted them: read it
                // again.
                if (attempt >= LOAD_ATTEMPTS) {
                    throw ex;
                }
            }
        }
    }

    private IndexSnapshot load(IndexDescription description, long version, Served entry) {
        makeRoomForShards(description, entry);
        Map<IndexType, List<LoadedShard>> shards = new EnumMap<>(IndexType.class);
        List<LoadedShard> acquired = new ArrayList<>();
        try {
            for (IndexDescription.Shard shard : description.shards()) {
                LoadedShard loaded = cache.acquire(shard);
                acquired.add(loaded);
                shards.computeIfAbsent(IndexType.fromKey(shard.type()), type -> new ArrayList<>())
                        .add(loaded);
            }
        } catch (RuntimeException ex) {
            acquired.forEach(LoadedShard::release);
            throw ex;
        }
        shards.replaceAll((type, list) -> List.copyOf(list));
        return new IndexSnapshot(description, shards, version);
    }

    /** Unloads idle indexes, least recently used first, until the new shards fit (if they can). */
    private void makeRoomForShards(IndexDescription description, Served loading) {
        long needed = description.shards().stream().mapToLong(cache::bytesToLoad).sum();
        List<Served> idle = new ArrayList<>(served.values());
        idle.remove(loading);
        idle.sort(Comparator.comparingLong(entry -> entry.lastUsed));
        for (Served other : idle) {
            if (cache.usedBytes() + needed <= cache.maxBytes()) {
                return;
            }
            evict(other);
        }
    }

    private void makeRoomForIndexes(Served loading) {
        while (served.size() > maxIndexes) {
            Optional<Served> oldest =
                    served.values().stream()
                            .filter(entry -> entry != loading)
                            .min(Comparator.comparingLong(entry -> entry.lastUsed));
            if (oldest.isEmpty()) {
                return;
            }
            if (!evict(oldest.get())) {
                return;
            }
        }
    }

    /**
     * Unloads another index unless it is being loaded or refreshed right now (never waits for it:
     * two loads making room from each other must not deadlock). Searches still holding its snapshot
     * finish on it.
     */
    private boolean evict(Served other) {
        if (!other.lock.tryLock()) {
            return false;
        }
        try {
            log.info("Unloading index '{}' to make room", other.prefix);
            drop(other);
            served.remove(other.prefix, other);
            return true;
        } finally {
            other.lock.unlock();
        }
    }

    private static void drop(Served entry) {
        IndexSnapshot current = entry.current;
        entry.current = null;
        if (current != null) {
            current.release();
        }
    }

    /** One served prefix; its lock serialises loading, refreshing and unloading it. */
    private static final class Served {

        final String prefix;
        final ReentrantLock lock = new ReentrantLock();
        volatile IndexSnapshot current;
        volatile long lastUsed = System.nanoTime();
        volatile String lastProblem;

        Served(String prefix) {
            this.prefix = prefix;
        }
    }
}
