package dev.faissshard.shard.faiss;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.storage.ObjectBody;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.LongPointer;

/**
 * A FAISS index that owns its native memory.
 *
 * <p>Thread safety: {@link #search} may run concurrently with other searches; {@link #addWithIds},
 * {@link #train} and {@link #close} must not overlap any other call on the same instance. Instances
 * are meant to be confined to one job's writer thread.
 */
public final class FaissIndex implements VectorIndex {

    /** Native bytes a serialization goes through at a time. */
    private static final long SERIALIZE_WINDOW = 4L << 20;

    private FaissNative.NativeIndex handle;

    private FaissIndex(FaissNative.NativeIndex handle) {
        this.handle = handle;
    }

    /** Creates an empty index from a FAISS factory string such as {@code "IDMap,Flat"}. */
    public static FaissIndex create(int dimension, String factory, Metric metric) {
        FaissLibrary.ensureLoaded();
        if (dimension <= 0) {
            throw new IllegalArgumentException("dimension must be positive, was " + dimension);
        }
        Objects.requireNonNull(factory, "factory");
        return new FaissIndex(checked(FaissNative.index_create(dimension, factory, code(metric))));
    }

    /**
     * Reads an index serialized by {@link #toBytes()} or by upstream FAISS's {@code write_index}.
     */
    public static FaissIndex fromBytes(byte[] data) {
        FaissLibrary.ensureLoaded();
        try (BytePointer pointer = new BytePointer(data)) {
            return new FaissIndex(checked(FaissNative.index_deserialize(pointer, data.length)));
        }
    }

    /** Reads an index from {@code size} native bytes in place (see {@link SerializedIndex}). */
    static FaissIndex fromNative(BytePointer data, long size) {
        FaissLibrary.ensureLoaded();
        return new FaissIndex(checked(FaissNative.index_read_memory(data, size)));
    }

    public static FaissIndex read(Path file) {
        FaissLibrary.ensureLoaded();
        return new FaissIndex(checked(FaissNative.index_read_file(file.toString())));
    }

    @Override
    public int dimension() {
        return FaissNative.index_dimension(live());
    }

    public Metric metric() {
        return metricOf(FaissNative.index_metric(live()));
    }

    @Override
    public long count() {
        return FaissNative.index_ntotal(live());
    }

    @Override
    public boolean isTrained() {
        return FaissNative.index_is_trained(live());
    }

    /**
     * Trains on {@code vectors}, a row-major array of {@code vectors.length / dimension()} rows.
     */
    @Override
    public void train(float[] vectors) {
        int rows = rows(vectors);
        try (FloatPointer x = new FloatPointer(vectors)) {
            FaissNative.index_train(live(), rows, x);
        }
    }

    /** Adds row-major {@code vectors} with one id per row. */
    @Override
    public void addWithIds(float[] vectors, long[] ids) {
        int rows = rows(vectors);
        if (rows != ids.length) {
            throw new IllegalArgumentException(rows + " vectors but " + ids.length + " ids");
        }
        if (rows == 0) {
            return;
        }
        try (FloatPointer x = new FloatPointer(vectors);
                LongPointer labels = new LongPointer(ids)) {
            FaissNative.index_add_with_ids(live(), rows, x, labels);
        }
    }

    /**
     * Searches the {@code k} nearest neighbours of each row-major query. Missing hits have id -1.
     */
    public SearchResult search(float[] queries, int k) {
        int rows = rows(queries);
        try (FloatPointer x = new FloatPointer(queries);
                FloatPointer distances = new FloatPointer((long) rows * k);
                LongPointer labels = new LongPointer((long) rows * k)) {
            FaissNative.index_search(live(), rows, x, k, distances, labels);
            float[] d = new float[rows * k];
            long[] l = new long[rows * k];
            distances.get(d);
            labels.get(l);
            return new SearchResult(rows, k, d, l);
        }
    }

    @Override
    public long[] searchIds(float[] queries, int k) {
        return search(queries, k).ids();
    }

    /**
     * Whether {@link #searchRows} can scan this index: a flat index ({@code "Flat"} or {@code
     * "IDMap,Flat"}) with inner-product or L2 metric.
     */
    public boolean scansRows() {
        return FaissNative.index_scans_rows(live());
    }

    /**
     * The {@code k} nearest of the stored rows {@code [from, to)} for each row-major query,
     * exactly, on the calling thread only (no OpenMP): a batch of queries shares each pass over the
     * stored vectors, so many queries cost little more memory traffic than one. Ids are the index's
     * own (the {@code IDMap}'s); missing hits have id -1. May run concurrently with other searches.
     *
     * @throws UnsupportedOperationException when {@link #scansRows} is false
     */
    public SearchResult searchRows(float[] queries, int k, long from, long to) {
        return searchRows(queries, k, from, to, ScanKernel.BEST);
    }

    /**
     * {@link #searchRows(float[], int, long, long)} through a given distance loop, so that tests
     * and benchmarks can check and time each one this CPU has; all give the same answer within
     * float rounding.
     *
     * @throws UnsupportedOperationException when {@link #scansRows} is false or the CPU lacks the
     *     kernel's instructions
     */
    public SearchResult searchRows(float[] queries, int k, long from, long to, ScanKernel kernel) {
        int rows = rows(queries);
        if (k <= 0 || from < 0 || from > to || to > count()) {
            throw new IllegalArgumentException(
                    "rows [" + from + ", " + to + ") or k " + k + " out of range");
        }
        if (!kernel.supported()) {
            throw new UnsupportedOperationException(kernel + " is not supported by this CPU");
        }
        try (FloatPointer x = new FloatPointer(queries);
                FloatPointer distances = new FloatPointer((long) rows * k);
                LongPointer labels = new LongPointer((long) rows * k)) {
            if (!FaissNative.index_search_rows(
                    live(), rows, x, k, from, to, distances, labels, kernel.ordinal())) {
                throw new UnsupportedOperationException("Only flat indexes can be scanned by rows");
            }
            float[] d = new float[rows * k];
            long[] l = new long[rows * k];
            distances.get(d);
            labels.get(l);
            return new SearchResult(rows, k, d, l);
        }
    }

    /**
     * Copies all vectors and ids out of an {@code IDMap} index over a reconstructable index such as
     * {@code Flat}; used to carry flushed batches over into a rebuilt open shard.
     */
    @Override
    public ExportedVectors export() {
        long n = count();
        int d = dimension();
        try (FloatPointer vectors = new FloatPointer(Math.max(1, n * d));
                LongPointer ids = new LongPointer(Math.max(1, n))) {
            if (!FaissNative.index_export(live(), vectors, ids)) {
                throw new UnsupportedOperationException(
                        "Only IDMap indexes can export their vectors");
            }
            float[] v = new float[Math.toIntExact(n * d)];
            long[] i = new long[Math.toIntExact(n)];
            vectors.get(v);
            ids.get(i);
            return new ExportedVectors(d, v, i);
        }
    }

    /**
     * The stored vector of one FAISS id of an {@code IDMap} index over a reconstructable index such
     * as {@code Flat}, or null when the index holds no such id. May run concurrently with searches.
     *
     * @throws UnsupportedOperationException when the index is not an {@code IDMap}
     */
    public float[] reconstruct(long id) {
        int d = dimension();
        try (FloatPointer out = new FloatPointer(d)) {
            int found = FaissNative.index_reconstruct_id(live(), id, out);
            if (found < 0) {
                throw new UnsupportedOperationException(
                        "Only IDMap indexes can reconstruct vectors by id");
            }
            if (found == 0) {
                return null;
            }
            float[] vector = new float[d];
            out.get(vector);
            return vector;
        }
    }

    /**
     * Makes room for {@code vectors} in all, so that adds up to that count never copy the index;
     * returns whether this index type supports it ("IDMap" over flat codes). Room never written
     * costs no resident memory.
     */
    @Override
    public boolean reserve(long vectors) {
        if (vectors < 0) {
            throw new IllegalArgumentException("negative capacity " + vectors);
        }
        return FaissNative.index_reserve(live(), vectors);
    }

    @Override
    public void trainFrom(VectorIndex buffer, long rows) {
        if (!FaissNative.index_train_from(live(), faiss(buffer).live(), rows)) {
            throw new UnsupportedOperationException(
                    "only the first rows of a flat index of the same dimension can train an index");
        }
    }

    @Override
    public void trainKeepingInnerProducts(VectorIndex buffer, long rows) {
        if (!FaissNative.index_train_zero_mean_pca(live(), faiss(buffer).live(), rows)) {
            throw new UnsupportedOperationException(
                    "only a PCA-first index can be trained to keep inner products, from the first"
                            + " rows of a flat index of the same dimension");
        }
    }

    @Override
    public void addRangeFrom(VectorIndex buffer, long from, long to) {
        if (!FaissNative.index_add_range_from(live(), faiss(buffer).live(), from, to)) {
            throw new UnsupportedOperationException(
                    "rows ["
                            + from
                            + ", "
                            + to
                            + ") cannot be copied: only an IDMap,Flat index of the same dimension"
                            + " holding them can be copied from");
        }
    }

    @Override
    public boolean copiesRowRanges() {
        return scansRows();
    }

    private static FaissIndex faiss(VectorIndex index) {
        if (index instanceof FaissIndex faiss) {
            return faiss;
        }
        throw new IllegalArgumentException("not a FAISS index: " + index.getClass().getName());
    }

    @Override
    public long bytesPerVector() {
        return FaissNative.index_bytes_per_vector(live());
    }

    @Override
    public long invertedLists() {
        return FaissNative.index_nlist(live());
    }

    @Override
    public long minTrainingVectors() {
        return FaissNative.index_min_training_points(live());
    }

    /**
     * Sets a search-time parameter such as {@code nprobe} (IVF), {@code efSearch} (HNSW) or {@code
     * quantizer_efSearch} (an IVF's HNSW quantizer); returns false when this index has none of that
     * name. Must not overlap a search.
     */
    /**
     * Lets a trained IVF index {@link #reconstruct} vectors by id (through a hash map of its ids);
     * returns whether this index is of that kind. Must not overlap another call.
     */
    public boolean enableReconstruct() {
        return FaissNative.index_enable_reconstruct(live());
    }

    /** The ids this index holds: an IDMap's in index order, an IVF's list after list. */
    public long[] ids() {
        long n = count();
        try (LongPointer out = new LongPointer(Math.max(1, n))) {
            if (!FaissNative.index_ids(live(), out)) {
                throw new UnsupportedOperationException(
                        "Only IDMap and IVF indexes list their ids");
            }
            long[] ids = new long[Math.toIntExact(n)];
            out.get(ids);
            return ids;
        }
    }

    @Override
    public boolean setSearchParameter(String name, double value) {
        Objects.requireNonNull(name, "name");
        return FaissNative.index_set_search_parameter(live(), name, value);
    }

    /**
     * Moves every vector of {@code other} into this index, keeping their ids; both must be IVF
     * indexes trained alike (copies of one trained index). {@code other} is left empty.
     */
    public void mergeFrom(FaissIndex other) {
        FaissNative.index_merge_into(live(), other.live());
    }

    @Override
    public void mergeFrom(VectorIndex other) {
        mergeFrom(faiss(other));
    }

    /**
     * Whether {@link #mergeFrom} moves this index's codes as they are: an IVF index (under an OPQ
     * or PCA transform or not) that holds its ids in its inverted lists.
     */
    @Override
    public boolean mergesCodes() {
        return FaissNative.index_merges_codes(live());
    }

    /**
     * Removes the vectors of {@code ids} (ids it does not hold are ignored) and returns how many it
     * removed; the rest keep their codes and order.
     *
     * @throws UnsupportedOperationException for kinds FAISS cannot remove from (HNSW)
     */
    @Override
    public long removeIds(long[] ids) {
        if (ids.length == 0) {
            return 0;
        }
        try (LongPointer selected = new LongPointer(ids)) {
            long removed = FaissNative.index_remove_ids(live(), selected, ids.length);
            if (removed < 0) {
                throw new UnsupportedOperationException("this kind of index cannot remove ids");
            }
            return removed;
        }
    }

    /** The index in FAISS's own serialization format, as {@code faiss.read_index} reads it. */
    @Override
    public byte[] toBytes() {
        long size = FaissNative.index_serialized_size(live());
        byte[] out = new byte[Math.toIntExact(size)];
        try (BytePointer window = new BytePointer(Math.max(1, Math.min(size, SERIALIZE_WINDOW)))) {
            for (long offset = 0; offset < size; offset += SERIALIZE_WINDOW) {
                int length = (int) Math.min(SERIALIZE_WINDOW, size - offset);
                long copied = FaissNative.index_serialize_window(live(), offset, window, length);
                if (copied != length) {
                    throw new IllegalStateException(
                            "FAISS wrote "
                                    + copied
                                    + " bytes at offset "
                                    + offset
                                    + ", expected "
                                    + length
                                    + ": the index changed while being serialized");
                }
                window.position(0).get(out, (int) offset, length);
            }
        }
        return out;
    }

    /**
     * Turns the index into the bytes of its FAISS serialization, made slice by slice from it (a
     * sealed shard reaches storage without a copy of its size): the body owns the index from now
     * on, and this object is closed.
     */
    @Override
    public ObjectBody intoSerialized() {
        SerializedIndexBody body = new SerializedIndexBody(live());
        handle = null;
        return body;
    }

    public void write(Path file) {
        FaissNative.index_write_file(live(), file.toString());
    }

    @Override
    public void close() {
        if (handle != null) {
            FaissNative.index_free(handle);
            handle = null;
        }
    }

    private FaissNative.NativeIndex live() {
        if (handle == null) {
            throw new IllegalStateException("FAISS index already closed");
        }
        FaissLibrary.applyThreads();
        return handle;
    }

    private int rows(float[] vectors) {
        int d = dimension();
        if (vectors.length % d != 0) {
            throw new IllegalArgumentException(
                    "vector data of length "
                            + vectors.length
                            + " is not a multiple of dimension "
                            + d);
        }
        return vectors.length / d;
    }

    /** FAISS's own {@code MetricType} value. */
    private static int code(Metric metric) {
        return switch (metric) {
            case INNER_PRODUCT -> 0;
            case L2 -> 1;
        };
    }

    private static Metric metricOf(int code) {
        return switch (code) {
            case 0 -> Metric.INNER_PRODUCT;
            case 1 -> Metric.L2;
            default -> throw new IllegalArgumentException("Unsupported FAISS metric type " + code);
        };
    }

    private static FaissNative.NativeIndex checked(FaissNative.NativeIndex handle) {
        if (handle == null || handle.isNull()) {
            throw new IllegalStateException("FAISS returned no index");
        }
        return handle;
    }

    /** Row-major search output: {@code ids[q * k + j]} is the j-th hit of query q. */
    /**
     * The distance loops of {@link #searchRows}: the best this CPU has (AVX-512, else AVX2 with
     * FMA, else a portable loop), or one of them named. The order is the native side's numbering.
     */
    public enum ScanKernel {
        BEST,
        AVX512,
        AVX2,
        PORTABLE;

        /** Whether this CPU runs the kernel. */
        public boolean supported() {
            FaissLibrary.ensureLoaded();
            return FaissNative.scan_kernel_supported(ordinal());
        }
    }

    public record SearchResult(int queries, int k, float[] distances, long[] ids) {

        public long id(int query, int rank) {
            return ids[query * k + rank];
        }

        public float distance(int query, int rank) {
            return distances[query * k + rank];
        }
    }

    /** Vectors and ids copied out of an index, row-major. */
    public record ExportedVectors(int dimension, float[] vectors, long[] ids)
            implements VectorIndex.Exported {}
}
