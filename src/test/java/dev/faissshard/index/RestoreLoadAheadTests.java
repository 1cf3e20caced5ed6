package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.faiss.FaissVectorIndexes;
import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.StorageClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import tools.jackson.databind.json.JsonMapper;

/**
 * The restore of an open tail holds a bounded amount of segments, however long the tail: each
 * segment fetched ahead costs its bytes and its decoded vectors on the heap until it is restored,
 * and a 42 MB tail fetched sixteen segments ahead ran the documented 128 MB heap out of memory.
 * Measured on what the restore fetches and restores (real FAISS, a real folder store), not on the
 * heap.
 */
class RestoreLoadAheadTests {

    private static final Instant NOW = Instant.parse("2026-12-02T12:00:00Z");
    private static final IndexLayout LAYOUT = IndexLayout.at("shop");
    private static final int DIMENSION = 712;

    /** Rows per batch: segments of about 1.1, 3.1, 7.1, 2.0 and 5.1 MiB. */
    private static final int[] BATCH_ROWS = {400, 1_100, 2_500, 700, 1_800};

    private static final int BATCHES = 20;

    private final JsonMapper json = JsonMapper.builder().build();
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    @TempDir Path root;

    /**
     * A tail of 20 segments, about 74 MiB, over four times the load-ahead bound: while the first
     * segment is restored, the loaders fetch everything the restore asked for ahead (the test waits
     * until they are idle), and at every fetch the segment bytes fetched and not yet restored stay
     * within {@link StoredIndex#LOAD_AHEAD_BYTES}, more than half of which is used; every row is
     * restored.
     */
    @Test
    void aRestoreNeverHoldsMoreThanTheLoadAheadBoundOfSegmentBytes() {
        Map<IndexType, ModelInfo> models = new EnumMap<>(IndexType.class);
        models.put(IndexType.COLOR, new ModelInfo("color-test", "c0", DIMENSION));
        StoredIndex writing = storedIndex(new LocalStorageClient(root));
        long rows = 0;
        try (OpenIndex index = writing.open(writing.locate(LAYOUT), models, IndexEvents.NONE)) {
            long batch = index.committed().nextBatch();
            for (int b = 0; b < BATCHES; b++) {
                int count = BATCH_ROWS[b % BATCH_ROWS.length];
                List<String> ids = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    ids.add("sku-" + (rows + i));
                }
                index.append(
                        batch,
                        Map.of(IndexType.COLOR, vectors(count, b)),
                        ids,
                        new long[count],
                        NOW);
                index.commit(++batch, NOW);
                rows += count;
            }
            assertThat(index.state(IndexType.COLOR).openSegments()).hasSize(BATCHES);
        }
        long tailBytes = 0;
        Progress progress =
                new ProgressStore(json).load(LAYOUT, new LocalStorageClient(root)).orElseThrow();
        for (SegmentRecord segment : progress.indexes().get("color").openSegments()) {
            assertThat(segment.bytes()).isLessThan(StoredIndex.LOAD_AHEAD_BYTES);
            tailBytes += segment.bytes();
        }
        assertThat(tailBytes).isGreaterThan(4 * StoredIndex.LOAD_AHEAD_BYTES);

        HeldBytes held = new HeldBytes(new LocalStorageClient(root));
        StoredIndex restoring = storedIndex(held);
        try (OpenIndex index = restoring.open(restoring.locate(LAYOUT), models, held)) {
            assertThat(index.openVectors(IndexType.COLOR)).isEqualTo(rows);
        }
        assertThat(held.fetched()).as("segment bytes fetched").isEqualTo(tailBytes);
        assertThat(held.restored()).as("segment bytes restored").isEqualTo(tailBytes);
        assertThat(held.mostHeld())
                .as("segment bytes fetched and not yet restored, at most")
                .isLessThanOrEqualTo(StoredIndex.LOAD_AHEAD_BYTES)
                .isGreaterThan(StoredIndex.LOAD_AHEAD_BYTES / 2);
    }

    /**
     * Storage that counts the bytes of open segments fetched, and events that count those restored;
     * at every fetch it notes how many are held in between. The first restore waits until the
     * loaders have fetched all the restore asked for so far.
     */
    private static final class HeldBytes extends ForwardingStorage implements IndexEvents {

        private long fetched;
        private long restored;
        private long mostHeld;
        private boolean waited;

        HeldBytes(StorageClient delegate) {
            super(delegate);
        }

        @Override
        public byte[] get(String key) {
            byte[] data = super.get(key);
            if (LAYOUT.isSegmentKey(key) && key.endsWith(".faiss")) {
                synchronized (this) {
                    fetched += data.length;
                    mostHeld = Math.max(mostHeld, fetched - restored);
                }
            }
            return data;
        }

        @Override
        public void restored(IndexType type, SegmentRecord segment, long nanos) {
            if (!waited) {
                waited = true;
                awaitIdleLoaders();
            }
            synchronized (this) {
                restored += segment.bytes();
            }
        }

        synchronized long fetched() {
            return fetched;
        }

        synchronized long restored() {
            return restored;
        }

        synchronized long mostHeld() {
            return mostHeld;
        }

        /**
         * Until every loader thread waits for work: the restoring thread is here, so nothing more
         * is asked for, and a loader parks only once the queue of fetches is empty.
         */
        private static void awaitIdleLoaders() {
            while (Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().startsWith("index-open-"))
                    .anyMatch(thread -> thread.getState() != Thread.State.WAITING)) {
                Thread.onSpinWait();
            }
        }

        @Override
        public void uploaded(String kind, long bytes, long nanos) {}

        @Override
        public void serialized(long bytes, long nanos) {}

        @Override
        public void added(IndexType type, int vectors, long nanos) {}

        @Override
        public void sealed(IndexType type, ShardRecord shard) {}
    }

    private StoredIndex storedIndex(StorageClient storage) {
        ShardProperties properties =
                new ShardProperties(
                        DataSize.ofMegabytes(512),
                        0,
                        "IDMap,Flat",
                        Metric.INNER_PRODUCT,
                        1,
                        100_000,
                        16,
                        new ShardProperties.Auto(1_000_000, DataSize.ofGigabytes(1), 0.9),
                        100);
        return new StoredIndex(
                storage,
                new ProgressStore(json),
                new ManifestPublisher(json, clock),
                new ShardWriterFactory(properties, new FaissVectorIndexes(properties)),
                clock);
    }

    private static float[] vectors(int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[rows * DIMENSION];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) random.nextDouble();
        }
        return out;
    }
}
