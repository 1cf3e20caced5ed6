package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.Manifest;
import dev.faissshard.index.ManifestPublisher;
import dev.faissshard.storage.LocalStorageClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The shard cache and the manifest following, with real FAISS shards in a real local store: the
 * byte bound refuses what does not fit before loading it, a shard whose bytes do not match its
 * sha256 is never served, idle indexes make room, and snapshots swap under running searches without
 * one failing.
 */
class ShardCacheTests {

    private Path root;
    private LocalStorageClient storage;
    private SimpleMeterRegistry meters;
    private StoredIndexReader reader;
    private final List<ServedIndexes> served = new ArrayList<>();

    @BeforeEach
    void store() throws Exception {
        root = Files.createTempDirectory("shard-cache");
        storage = new LocalStorageClient(root);
        meters = new SimpleMeterRegistry();
        reader =
                new StoredIndexReader(
                        storage,
                        new ManifestPublisher(JsonMapper.builder().build(), Clock.systemUTC()));
    }

    @AfterEach
    void unload() {
        served.forEach(ServedIndexes::destroy);
    }

    @Test
    void anIndexLargerThanTheCacheIsRefusedBeforeAnythingIsLoaded() {
        HandBuiltIndex index = new HandBuiltIndex(storage, "big");
        index.shard("a", 400);
        index.shard("b", 400);
        index.publish();
        // One shard fits, both do not.
        long oneShard = storage.get("big/faiss/color_shard_001.faiss").length + 400 * 64L;
        ShardCache cache = cache(DataSize.ofBytes(oneShard + 1000));
        ServedIndexes indexes = indexes(cache);

        assertThatThrownBy(() -> indexes.open("big"))
                .isInstanceOf(IndexTooLargeException.class)
                .hasMessageContaining("fsb.search.cache-max-bytes");
        assertThat(cache.usedBytes()).as("room reserved by the failed load is given back").isZero();
        assertThat(cache.shards()).isZero();
        assertThat(meters.get("fsb.search.cache.bytes").gauge().value()).isZero();
        assertThat(meters.get("fsb.search.cache.max.bytes").gauge().value())
                .isEqualTo(oneShard + 1000);
    }

    @Test
    void aLoadedIndexIsAccountedInTheCacheAndItsGauge() {
        HandBuiltIndex index = new HandBuiltIndex(storage, "shop");
        Manifest.Entry shard = index.shard("a", 50);
        Manifest.Entry segment = index.segment("b", 3);
        index.publish();
        ShardCache cache = cache(DataSize.ofMegabytes(10));
        IndexSnapshot snapshot = indexes(cache).open("shop");
        long expected =
                storage.get(index.key(shard)).length
                        + storage.get(index.key(segment)).length
                        + 53 * 64L;
        assertThat(cache.usedBytes()).isEqualTo(expected);
        assertThat(meters.get("fsb.search.cache.bytes").gauge().value()).isEqualTo(expected);
        assertThat(meters.get("fsb.search.cache.shards").gauge().value()).isEqualTo(2);
        assertThat(snapshot.shards(IndexType.COLOR)).hasSize(2);
        snapshot.release();
    }

    @Test
    void aShardWhoseBytesDoNotMatchItsSha256IsNeverServed() throws Exception {
        HandBuiltIndex index = new HandBuiltIndex(storage, "shop");
        Manifest.Entry shard = index.shard("a", 20);
        index.publish();
        Path file = root.resolve(index.key(shard));
        byte[] data = Files.readAllBytes(file);
        data[data.length - 5] ^= 0x40; // same size, one vector component changed
        Files.write(file, data);
        ShardCache cache = cache(DataSize.ofMegabytes(10));

        assertThatThrownBy(() -> indexes(cache).open("shop"))
                .isInstanceOf(ShardIntegrityException.class)
                .hasMessageContaining("sha256");
        assertThat(cache.usedBytes()).isZero();
        assertThat(cache.shards()).isZero();
    }

    @Test
    void aLeastRecentlyUsedIdleIndexIsUnloadedToMakeRoom() {
        for (String prefix : List.of("one", "two")) {
            HandBuiltIndex index = new HandBuiltIndex(storage, prefix);
            index.shard(prefix, 300);
            index.publish();
        }
        long each = storage.get("one/faiss/color_shard_001.faiss").length + 300 * 64L;
        ShardCache cache = cache(DataSize.ofBytes(each * 3 / 2));
        ServedIndexes indexes = indexes(cache);
        indexes.open("one").release();
        IndexSnapshot two = indexes.open("two");
        assertThat(cache.usedBytes()).isEqualTo(each);
        assertThat(indexes.view()).containsOnlyKeys("two");
        two.release();
    }

    @Test
    void snapshotsSwapWhilePublishingWithoutOneFailedSearch() throws Exception {
        HandBuiltIndex index = new HandBuiltIndex(storage, "live");
        index.shard("s0", 30);
        index.publish();
        ShardCache cache = cache(DataSize.ofMegabytes(50));
        ServedIndexes indexes = indexes(cache);
        AtomicBoolean building = new AtomicBoolean(true);
        AtomicInteger searches = new AtomicInteger();
        List<Long> versions = java.util.Collections.synchronizedList(new ArrayList<>());
        ExecutorService clients = Executors.newFixedThreadPool(3);
        List<Future<?>> running = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(3);
        for (int c = 0; c < 3; c++) {
            running.add(
                    clients.submit(
                            () -> {
                                started.countDown();
                                float[] query = new float[HandBuiltIndex.DIMENSION];
                                query[0] = 1;
                                while (building.get()) {
                                    IndexSnapshot snapshot = indexes.open("live");
                                    try {
                                        long total = 0;
                                        for (LoadedShard shard : snapshot.shards(IndexType.COLOR)) {
                                            total += shard.search(query, 1000).k();
                                            assertThat(
                                                            shard.catalogId(
                                                                    shard.search(query, 1)
                                                                            .id(0, 0)))
                                                    .isNotNull();
                                        }
                                        long manifestVectors =
                                                snapshot.description().shards().stream()
                                                        .mapToLong(IndexDescription.Shard::vectors)
                                                        .sum();
                                        assertThat(total)
                                                .as("a snapshot is whole")
                                                .isEqualTo(manifestVectors);
                                        versions.add(snapshot.version());
                                        searches.incrementAndGet();
                                    } finally {
                                        snapshot.release();
                                    }
                                }
                                return null;
                            }));
        }
        started.await();
        // A build: segments appear batch by batch, then a seal replaces them and deletes their
        // objects.
        for (int shard = 1; shard <= 4; shard++) {
            for (int batch = 0; batch < 3; batch++) {
                index.segment("s" + shard + "b" + batch, 5);
                index.publish();
                indexes.refreshAll();
            }
            List<Manifest.Entry> sealedAway = index.clearSegments();
            index.shard("s" + shard, 15);
            index.publish();
            for (Manifest.Entry gone : sealedAway) {
                storage.delete(index.key(gone));
                storage.delete(index.idsKey(gone));
            }
            indexes.refreshAll();
        }
        Thread.sleep(200);
        building.set(false);
        for (Future<?> client : running) {
            client.get(2, TimeUnit.MINUTES); // rethrows any failed search
        }
        clients.shutdown();
        assertThat(searches.get()).isPositive();
        assertThat(versions.stream().distinct().count()).as("snapshots searched").isGreaterThan(1);
        IndexSnapshot last = indexes.open("live");
        assertThat(
                        last.description().shards().stream()
                                .mapToLong(IndexDescription.Shard::vectors)
                                .sum())
                .isEqualTo(index.vectors());
        last.release();
        // Superseded shards were freed once their last search ended: only the final snapshot's
        // remain.
        assertThat(cache.shards()).isEqualTo(5);
    }

    @Test
    void openLoadedServesAnIndexAlreadyLoadedAndNeverLoadsOne() {
        HandBuiltIndex index = new HandBuiltIndex(storage, "shop");
        index.shard("a", 20);
        index.publish();
        ShardCache cache = cache(DataSize.ofMegabytes(10));
        ServedIndexes indexes = indexes(cache);

        assertThat(indexes.openLoaded("shop")).as("not loaded: nothing, and no load").isEmpty();
        assertThat(cache.shards()).isZero();

        IndexSnapshot opened = indexes.open("shop");
        IndexSnapshot loaded = indexes.openLoaded("shop").orElseThrow();
        assertThat(loaded).isSameAs(opened);
        opened.release();
        // The reference openLoaded took keeps the shard loaded when the index is unloaded.
        indexes.destroy();
        assertThat(cache.shards()).isEqualTo(1);
        loaded.release();
        assertThat(cache.shards()).isZero();
        assertThat(indexes.openLoaded("shop")).isEmpty();
    }

    private ShardCache cache(DataSize max) {
        return new ShardCache(reader, properties(max), meters);
    }

    private ServedIndexes indexes(ShardCache cache) {
        ServedIndexes indexes =
                new ServedIndexes(reader, cache, properties(DataSize.ofBytes(cache.maxBytes())));
        served.add(indexes);
        return indexes;
    }

    private static SearchProperties properties(DataSize max) {
        return new SearchProperties(
                max,
                1,
                8,
                1000,
                java.time.Duration.ofHours(1),
                java.time.Duration.ofSeconds(30),
                1,
                16,
                1,
                32,
                java.time.Duration.ZERO);
    }
}
