package dev.faissshard.shard;

import dev.faissshard.storage.ObjectBody;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Fills the open shard of one index type with vectors and seals it when the next vectors would take
 * it past its size or count limit. It touches no storage: each call returns what it produced (the
 * bytes of the shards it sealed and of the segment that makes the rest of the batch durable), and
 * the stored index uploads them in its commit, in the order that makes a killed run harmless.
 *
 * <p>A trained factory (IVF, PQ, OPQ) starts untrained: the open shard then buffers its vectors
 * flat, exactly as the segments store them, and seals nothing. Once it holds the training sample
 * (or the catalogue ends), the writer trains a fresh index on the first {@code trainingSample}
 * buffered vectors, in catalogue order, so the same catalogue gives the same trained bytes. Every
 * shard from then on starts as a copy of that trained index, so all shards share quantizer and
 * codebooks; the buffered vectors are added to it and sealed as they fill shards. A resumed writer
 * is given the recorded trained index and never trains again.
 *
 * <p>Not thread-safe: one writer per index type, driven by the job's thread.
 */
public final class ShardWriter implements AutoCloseable {

    /**
     * Segments hold one batch exactly, whatever the shards' factory: small, and read back without
     * loss.
     */
    public static final String SEGMENT_FACTORY = "IDMap,Flat";

    private final int dimension;
    private final ShardSettings settings;
    private final VectorIndexes indexes;

    /** The trained empty index every shard starts as; null for untrained factories. */
    private byte[] trained;

    /** Whether the open shard is a flat buffer waiting for training. */
    private boolean buffering;

    private long capacity;

    private VectorIndex open;

    /** Ids of the open shard, in index order, for its id file when sealed. */
    private long[] openIds = new long[64];

    private int openCount;

    ShardWriter(
            int dimension,
            ShardSettings settings,
            ShardSizeModel sizeModel,
            VectorIndexes indexes,
            byte[] trained,
            boolean needsTraining) {
        this.dimension = dimension;
        this.settings = settings;
        this.indexes = indexes;
        this.trained = trained;
        if (needsTraining && trained == null) {
            buffering = true;
            capacity = Long.MAX_VALUE;
            open = indexes.create(dimension, SEGMENT_FACTORY, settings.metric());
            return;
        }
        if (trained != null) {
            try (VectorIndex template = indexes.fromBytes(trained)) {
                sizeModel = ShardSizeModel.ofTrained(indexes, template);
            }
        }
        this.capacity = capacityOf(sizeModel);
        this.open = newIndex();
    }

    /** Most vectors a shard holds; unbounded while a trained factory still buffers for training. */
    public long capacity() {
        return capacity;
    }

    /** Whether the shards start from a trained index that is already there. */
    public boolean isTrained() {
        return !buffering;
    }

    /** The trained, empty index every shard starts from; empty for untrained factories. */
    public Optional<byte[]> trainedIndex() {
        return Optional.ofNullable(trained);
    }

    /** Vectors in the open shard. */
    public long openVectors() {
        return open.count();
    }

    /**
     * Whether the open shard holds its rows as the exact vectors added, so that {@link
     * #copyOpenRows} can copy them: a flat factory's shard, or a trained factory's buffer before
     * training.
     */
    public boolean holdsExactRows() {
        return open.copiesRowRanges();
    }

    /**
     * Adds the open shard's rows {@code [from, to)} (in the order they were added since the last
     * seal) with their ids to {@code into}, an exact index of the same dimension, without copying
     * them through the heap; only where {@link #holdsExactRows}.
     */
    public void copyOpenRows(VectorIndex into, long from, long to) {
        if (!holdsExactRows()) {
            throw new IllegalStateException("the open shard does not hold its rows exactly");
        }
        into.addRangeFrom(open, from, to);
    }

    /** Carries a flushed segment of the open shard back into it, as a resumed job does. */
    public void restore(VectorIndex.Exported segment) {
        open.addWithIds(segment.vectors(), segment.ids());
        remember(segment.ids(), 0, segment.ids().length);
    }

    /**
     * Adds one batch's vectors (row-major, one id per row, none already indexed), sealing shards as
     * they fill; the rows that stay in the open shard come back as a segment.
     */
    public Appended append(float[] vectors, long[] ids) {
        if (vectors.length != ids.length * dimension) {
            throw new IllegalArgumentException(
                    ids.length
                            + " ids for "
                            + vectors.length
                            + " floats of dimension "
                            + dimension);
        }
        if (!buffering) {
            return fill(new ArrayRows(vectors, ids), 0, true, Optional.empty());
        }
        long start = System.nanoTime();
        open.addWithIds(vectors, ids);
        remember(ids, 0, ids.length);
        List<Add> adds = List.of(new Add(ids.length, System.nanoTime() - start));
        if (open.count() < settings.trainingSample()) {
            return new Appended(
                    List.of(),
                    Optional.of(new ArrayRows(vectors, ids).flush(0, ids.length)),
                    adds,
                    Optional.empty());
        }
        Trained training = train();
        try (BufferRows buffered = takeBuffer()) {
            Appended filled =
                    fill(buffered, buffered.count() - ids.length, true, Optional.of(training));
            return new Appended(filled.sealed(), filled.segment(), adds, filled.trained());
        }
    }

    /**
     * Seals the open shard if it holds anything; used when a job reaches the end of its catalogue.
     * A trained factory still buffering is trained first on what the catalogue gave, if that meets
     * FAISS's guidance ({@link TrainingSampleTooSmallException} otherwise).
     */
    public Finished finish() {
        if (open.count() == 0) {
            return new Finished(List.of(), Optional.empty());
        }
        if (!buffering) {
            return new Finished(List.of(seal()), Optional.empty());
        }
        Trained training = train();
        List<Sealed> sealed = new ArrayList<>();
        try (BufferRows buffered = takeBuffer()) {
            sealed.addAll(fill(buffered, buffered.count(), false, Optional.empty()).sealed());
        }
        if (open.count() > 0) {
            sealed.add(seal());
        }
        return new Finished(sealed, Optional.of(training));
    }

    /**
     * Seals the open shard if it holds anything, for writers that need no training at the end
     * (untrained factories, or trained ones already trained).
     */
    public Optional<Sealed> sealOpenShard() {
        if (buffering && open.count() > 0) {
            throw new IllegalStateException("use finish() for a writer that still has to train");
        }
        return finish().sealed().stream().findFirst();
    }

    @Override
    public void close() {
        open.close();
    }

    /**
     * Adds rows to the open shard, sealing as shards fill. Rows before {@code durable} are already
     * in segments: unless a seal makes those segments obsolete, only the rows from {@code durable}
     * on are flushed as this batch's segment.
     */
    private Appended fill(Rows rows, int durable, boolean flushRest, Optional<Trained> training) {
        List<Sealed> sealed = new ArrayList<>();
        List<Add> adds = new ArrayList<>();
        int count = rows.count();
        int offset = 0;
        int segmentStart = durable;
        while (offset < count) {
            long room = capacity - open.count();
            if (room <= 0) {
                sealed.add(seal());
                segmentStart = offset;
                continue;
            }
            int take = (int) Math.min(room, count - offset);
            long start = System.nanoTime();
            rows.addTo(open, offset, offset + take);
            adds.add(new Add(take, System.nanoTime() - start));
            remember(rows.ids(), offset, take);
            offset += take;
        }
        Optional<Flushed> segment = Optional.empty();
        if (flushRest && segmentStart < count) {
            segment = Optional.of(rows.flush(segmentStart, count));
        }
        return new Appended(sealed, segment, adds, training);
    }

    /**
     * Adds vectors (row-major, one id per row) into the open shard, sealing shards as they fill,
     * without flushing the rest as a segment: for a compaction, which seals its remainder at its
     * end.
     */
    public List<Sealed> fill(float[] vectors, long[] ids) {
        if (vectors.length != ids.length * dimension) {
            throw new IllegalArgumentException(
                    ids.length
                            + " ids for "
                            + vectors.length
                            + " floats of dimension "
                            + dimension);
        }
        if (buffering) {
            throw new IllegalStateException(
                    "a compaction needs the index trained: its shards must share one training");
        }
        return fill(new ArrayRows(vectors, ids), ids.length, false, Optional.empty()).sealed();
    }

    /**
     * Trains a fresh index of the factory on the first {@code trainingSample} buffered vectors,
     * where they are, and makes it the template of every shard.
     */
    private Trained train() {
        long start = System.nanoTime();
        int rows = (int) Math.min(open.count(), settings.trainingSample());
        try (VectorIndex fresh = indexes.create(dimension, settings.factory(), settings.metric())) {
            if (rows < fresh.minTrainingVectors()) {
                throw new TrainingSampleTooSmallException(
                        settings.factory(), rows, fresh.minTrainingVectors());
            }
            if (centresUnderInnerProduct()) {
                fresh.trainKeepingInnerProducts(open, rows);
            } else {
                fresh.trainFrom(open, rows);
            }
            trained = fresh.toBytes();
            capacity = capacityOf(ShardSizeModel.ofTrained(indexes, fresh));
        }
        return new Trained(trained, rows, System.nanoTime() - start);
    }

    /**
     * Whether the factory starts with FAISS's PCA under inner product. FAISS's PCA subtracts the
     * training mean before it rotates; that keeps L2 distances but not inner products: it ranks
     * stored vectors by their inner product with the query minus the mean. The models' vectors have
     * a large common mean (non-negative histogram features), and on their real combined vectors
     * that cost {@code PCAR224,IVF64,SQ8} recall@10 0.64 instead of 0.95 (docs/scale.md "Trained
     * indexes"). Such a factory is trained through {@link VectorIndex#trainKeepingInnerProducts}:
     * the PCA on the sample and its negation (mean zero), the lists and codes on the sample alone.
     */
    private boolean centresUnderInnerProduct() {
        if (settings.metric() != Metric.INNER_PRODUCT) {
            return false;
        }
        for (String part : settings.factory().split(",")) {
            if (part.strip().startsWith("PCA")) {
                return true;
            }
        }
        return false;
    }

    /** Hands the flat buffer over and makes the open shard a copy of the trained index. */
    private BufferRows takeBuffer() {
        BufferRows buffered = new BufferRows(open, Arrays.copyOf(openIds, openCount));
        buffering = false;
        openCount = 0;
        open = newIndex();
        return buffered;
    }

    private long capacityOf(ShardSizeModel sizeModel) {
        long byBytes = sizeModel.capacity(settings.maxBytes());
        return settings.maxVectors() > 0 ? Math.min(byBytes, settings.maxVectors()) : byBytes;
    }

    private Sealed seal() {
        long start = System.nanoTime();
        // The body owns the sealed index now: it is freed once stored, not here.
        ObjectBody body = open.intoSerialized();
        Sealed sealed =
                new Sealed(body, Arrays.copyOf(openIds, openCount), System.nanoTime() - start);
        open = newIndex();
        openCount = 0;
        return sealed;
    }

    private void remember(long[] ids, int from, int count) {
        if (openCount + count > openIds.length) {
            openIds = Arrays.copyOf(openIds, Math.max(openIds.length * 2, openCount + count));
        }
        System.arraycopy(ids, from, openIds, openCount, count);
        openCount += count;
    }

    private VectorIndex newIndex() {
        if (trained != null) {
            return indexes.fromBytes(trained);
        }
        VectorIndex index = indexes.create(dimension, settings.factory(), settings.metric());
        // The shard never holds more than its capacity, so room for all of it up front spares the
        // copy (and the moment of double memory) each time FAISS would otherwise grow its arrays.
        index.reserve(capacity);
        return index;
    }

    /**
     * Rows to add to the open shard, from a batch or from the training buffer; a range of them
     * becomes a segment the same way whatever holds them.
     */
    private abstract class Rows {

        final long[] ids;

        Rows(long[] ids) {
            this.ids = ids;
        }

        final int count() {
            return ids.length;
        }

        final long[] ids() {
            return ids;
        }

        abstract void addTo(VectorIndex index, int from, int to);

        final Flushed flush(int from, int to) {
            try (VectorIndex flushed =
                    indexes.create(dimension, SEGMENT_FACTORY, settings.metric())) {
                addTo(flushed, from, to);
                return serialized(flushed, Arrays.copyOfRange(ids, from, to));
            }
        }
    }

    private final class ArrayRows extends Rows {

        private final float[] vectors;

        ArrayRows(float[] vectors, long[] ids) {
            super(ids);
            this.vectors = vectors;
        }

        @Override
        void addTo(VectorIndex index, int from, int to) {
            if (from == 0 && to == ids.length) {
                index.addWithIds(vectors, ids);
            } else {
                index.addWithIds(
                        Arrays.copyOfRange(vectors, from * dimension, to * dimension),
                        Arrays.copyOfRange(ids, from, to));
            }
        }
    }

    /** The flat training buffer, read in place; closed once its rows are in shards. */
    private final class BufferRows extends Rows implements AutoCloseable {

        private final VectorIndex buffer;

        BufferRows(VectorIndex buffer, long[] ids) {
            super(ids);
            this.buffer = buffer;
        }

        @Override
        void addTo(VectorIndex index, int from, int to) {
            index.addRangeFrom(buffer, from, to);
        }

        @Override
        public void close() {
            buffer.close();
        }
    }

    private static Flushed serialized(VectorIndex flushed, long[] ids) {
        long start = System.nanoTime();
        byte[] data = flushed.toBytes();
        return new Flushed(data, ids, System.nanoTime() - start);
    }

    /**
     * What one {@link #append} produced.
     *
     * @param sealed shards filled by this batch, in order
     * @param segment the rows of this batch that stay in the open shard, if any
     * @param adds each add into the open shard
     * @param trained the index this batch trained, which every shard from now on starts from
     */
    public record Appended(
            List<Sealed> sealed,
            Optional<Flushed> segment,
            List<Add> adds,
            Optional<Trained> trained) {

        public Appended(List<Sealed> sealed, Optional<Flushed> segment, List<Add> adds) {
            this(sealed, segment, adds, Optional.empty());
        }
    }

    /**
     * What {@link #finish} produced: the last shards, and the training it did first, if any.
     *
     * @param sealed shards, in order
     * @param trained the index trained at the catalogue's end
     */
    public record Finished(List<Sealed> sealed, Optional<Trained> trained) {}

    /** One add into the open shard: how many vectors, how long. */
    public record Add(int vectors, long nanos) {}

    /**
     * A trained, empty index of the shards' factory.
     *
     * @param data its serialized bytes
     * @param sampleVectors vectors it was trained on
     * @param nanos how long training took
     */
    public record Trained(byte[] data, int sampleVectors, long nanos) {}

    /**
     * A full shard: its serialized bytes (in native memory for FAISS shards: close the body once
     * stored), its ids in index order, and how long serializing took.
     */
    public record Sealed(ObjectBody body, long[] ids, long serializeNanos) {

        /**
         * A heap copy of the bytes, for tests and tools; the index layer stores {@link #body()}
         * slice by slice instead.
         */
        public byte[] data() {
            return body.bytes();
        }

        public long vectors() {
            return ids.length;
        }
    }

    /**
     * A batch's rows kept in the open shard, as a small {@link #SEGMENT_FACTORY} index of their
     * own.
     */
    public record Flushed(byte[] data, long[] ids, long serializeNanos) {}
}
