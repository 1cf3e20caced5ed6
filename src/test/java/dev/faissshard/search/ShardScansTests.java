package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.faiss.FaissIndex;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * The batched scans on real FAISS shards: concurrent queries with different k, over a flat shard
 * large enough to be split into row ranges, a tiny flat one and an approximate one (searched by
 * FAISS itself), each get at least every flat shard's own top k, as FAISS's own search of that
 * shard finds it, and k hits of the approximate one; every query meets each row range of the ring
 * exactly once; and each query's references on its shards are given back once it has met them all.
 */
class ShardScansTests {

    private static final int DIMENSION = 37;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<AutoCloseable> open = new ArrayList<>();
    private ShardScans scans;

    @AfterEach
    void close() throws Exception {
        if (scans != null) {
            scans.destroy();
        }
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
    }

    @Test
    void concurrentQueriesGetEveryShardsOwnTopK() throws Exception {
        scans = new ShardScans(properties(), meters);
        AtomicInteger freed = new AtomicInteger();
        List<LoadedShard> shards =
                List.of(
                        shard("big", "IDMap,Flat", 9000, 1, freed),
                        shard("tiny", "IDMap,Flat", 3, 2, freed),
                        shard("hnsw", "IDMap,HNSW16", 500, 3, freed));
        int queries = 48;
        ExecutorService clients = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
            int query = q;
            running.add(
                    clients.submit(
                            () -> {
                                float[] vector = unit(new SplittableRandom(1000 + query));
                                int k = 1 + query % 17;
                                go.await();
                                CompletableFuture<List<ShardScans.Candidate>> found =
                                        scans.submit(shards, vector, k);
                                List<ShardScans.Candidate> candidates =
                                        found.get(2, TimeUnit.MINUTES);
                                // HNSW's answer depends on k (its search list grows with it),
                                // and a batch searches with its largest k: the approximate
                                // shard is checked for k hits of its own, the flat ones exactly.
                                assertThat(
                                                candidates.stream()
                                                        .filter(c -> c.shard() == shards.get(2))
                                                        .filter(
                                                                c ->
                                                                        c.shard()
                                                                                        .catalogId(
                                                                                                c
                                                                                                        .faissId())
                                                                                != null)
                                                        .count())
                                        .isEqualTo(k);
                                for (LoadedShard shard : shards.subList(0, 2)) {
                                    assertThat(topOf(candidates, shard, k))
                                            .as(
                                                    "query %d, shard %s",
                                                    query, shard.description().file())
                                            .containsExactlyInAnyOrderElementsOf(
                                                    faissTop(shard, vector, k));
                                }
                                return null;
                            }));
        }
        go.countDown();
        for (Future<?> client : running) {
            client.get(3, TimeUnit.MINUTES);
        }
        clients.shutdown();
        DistributionSummary batches = meters.get("fsb.search.batch.size").summary();
        // 9,000 rows make 3 ranges (of at most 4,096), the tiny and the approximate shard one each:
        // every query meets each of the 5 ranges exactly once.
        assertThat(batches.totalAmount())
                .as("queries scanned, range by range")
                .isEqualTo(queries * 5);
        assertThat(batches.max()).isLessThanOrEqualTo(properties().maxBatch());
        shards.forEach(LoadedShard::release);
        assertThat(freed.get()).as("shards freed once the last reference went").isEqualTo(3);
    }

    private List<Long> topOf(List<ShardScans.Candidate> candidates, LoadedShard shard, int k) {
        return candidates.stream()
                .filter(candidate -> candidate.shard() == shard)
                .sorted(
                        Comparator.comparingDouble((ShardScans.Candidate c) -> -c.score())
                                .thenComparingLong(ShardScans.Candidate::faissId))
                .limit(k)
                .map(ShardScans.Candidate::faissId)
                .toList();
    }

    private static List<Long> faissTop(LoadedShard shard, float[] query, int k) {
        FaissIndex.SearchResult result = shard.search(query, k);
        List<Long> ids = new ArrayList<>();
        for (int rank = 0; rank < result.k(); rank++) {
            if (result.id(0, rank) >= 0) {
                ids.add(result.id(0, rank));
            }
        }
        return ids;
    }

    private LoadedShard shard(
            String name, String factory, int rows, long seed, AtomicInteger freed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] vectors = new float[rows * DIMENSION];
        long[] ids = new long[rows];
        String[] catalogIds = new String[rows];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(unit(random), 0, vectors, row * DIMENSION, DIMENSION);
            ids[row] = seed * 1_000_000 + row * 7L;
            catalogIds[row] = name + "-" + row;
        }
        FaissIndex index = FaissIndex.create(DIMENSION, factory, Metric.INNER_PRODUCT);
        index.addWithIds(vectors, ids);
        IndexDescription.Shard description =
                new IndexDescription.Shard(
                        "color",
                        "faiss/" + name + ".faiss",
                        "faiss/" + name + ".ids.tsv",
                        "faiss/" + name + ".faiss",
                        rows,
                        rows * DIMENSION * 4L,
                        "0",
                        DIMENSION,
                        "INNER_PRODUCT",
                        "model",
                        "0",
                        true);
        return new LoadedShard(
                description, index, ids, catalogIds, 0, bytes -> freed.incrementAndGet());
    }

    private static float[] unit(SplittableRandom random) {
        float[] vector = new float[DIMENSION];
        double norm = 0;
        for (int j = 0; j < DIMENSION; j++) {
            vector[j] = (float) random.nextGaussian();
            norm += vector[j] * vector[j];
        }
        for (int j = 0; j < DIMENSION; j++) {
            vector[j] /= (float) Math.sqrt(norm);
        }
        return vector;
    }

    private static SearchProperties properties() {
        return new SearchProperties(
                DataSize.ofMegabytes(64),
                1,
                8,
                1000,
                Duration.ofHours(1),
                Duration.ofSeconds(30),
                1,
                16,
                2,
                8,
                Duration.ofMillis(1));
    }
}
