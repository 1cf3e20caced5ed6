package dev.faissshard.shard;

import dev.faissshard.storage.ObjectBody;

/**
 * An in-memory vector index with int64 ids: what a shard is made of, whatever library holds it.
 * FAISS is the implementation ({@code shard.faiss}); nothing outside that package sees a native
 * type.
 *
 * <p>Implementations own their memory until {@link #close()}. None is thread-safe for writes: an
 * index is confined to one job's writer thread.
 */
public interface VectorIndex extends AutoCloseable {

    int dimension();

    long count();

    /** Whether the index can take vectors as it is (some kinds need training first). */
    boolean isTrained();

    /**
     * Trains an index that is not {@link #isTrained} on row-major {@code vectors}; deterministic
     * for the same vectors in the same order.
     */
    default void train(float[] vectors) {
        throw new UnsupportedOperationException("this kind of index needs no training");
    }

    /**
     * Trains an index that is not {@link #isTrained} on the first {@code rows} vectors of {@code
     * buffer} (an exact index of the same library and dimension), without copying them out.
     */
    default void trainFrom(VectorIndex buffer, long rows) {
        Exported all = buffer.export();
        train(java.util.Arrays.copyOf(all.vectors(), Math.toIntExact(rows * dimension())));
    }

    /**
     * Trains a PCA-first index ({@code PCA<k>,...}, {@code PCAR<k>,...}) so that it keeps inner
     * products, on the first {@code rows} vectors of {@code buffer}: the PCA on them and their
     * negation (zero mean, so it subtracts nothing: a centred PCA ranks stored vectors by their
     * inner product with the query minus the training mean), everything after it on the rotated
     * vectors alone. Deterministic for the same vectors in the same order.
     */
    default void trainKeepingInnerProducts(VectorIndex buffer, long rows) {
        throw new UnsupportedOperationException("this kind of index has no PCA to train");
    }

    /**
     * Adds the rows {@code [from, to)} of {@code buffer} (an exact index of the same library and
     * dimension) with their ids, without copying them out.
     */
    default void addRangeFrom(VectorIndex buffer, long from, long to) {
        Exported all = buffer.export();
        int d = dimension();
        addWithIds(
                java.util.Arrays.copyOfRange(all.vectors(), (int) from * d, (int) to * d),
                java.util.Arrays.copyOfRange(all.ids(), (int) from, (int) to));
    }

    /**
     * Whether {@link #addRangeFrom} can copy rows out of this index where they are: an exact {@code
     * IDMap,Flat} index. False for indexes that keep codes or a graph, whose rows are no longer the
     * vectors added.
     */
    default boolean copiesRowRanges() {
        return false;
    }

    /**
     * Bytes each further vector adds to {@link #toBytes()} (code plus id), or -1 when that is not
     * fixed for this kind (graph indexes).
     */
    default long bytesPerVector() {
        return -1;
    }

    /** Inverted lists of an IVF index, 0 for other kinds. */
    default long invertedLists() {
        return 0;
    }

    /**
     * Training vectors FAISS's guidance asks for (39 per k-means centroid), 0 when no training is
     * needed.
     */
    default long minTrainingVectors() {
        return 0;
    }

    /**
     * The ids of the {@code k} nearest stored vectors of each row-major query, row after row (-1
     * where fewer are found).
     */
    default long[] searchIds(float[] queries, int k) {
        throw new UnsupportedOperationException("this index cannot search");
    }

    /**
     * Sets a search-time parameter ({@code nprobe}, {@code efSearch}); false when this kind has
     * none of that name.
     */
    default boolean setSearchParameter(String name, double value) {
        return false;
    }

    /**
     * Whether {@link #mergeFrom} moves this index's stored codes as they are (an IVF index), so
     * that shards of one training merge without decoding and re-encoding.
     */
    default boolean mergesCodes() {
        return false;
    }

    /**
     * Moves every vector of {@code other} (an index of the same training) into this one with its id
     * and code; {@code other} is left empty. Only where {@link #mergesCodes}.
     */
    default void mergeFrom(VectorIndex other) {
        throw new UnsupportedOperationException("this kind of index cannot merge codes");
    }

    /** Removes the vectors of {@code ids}, keeping the rest as they are; returns how many. */
    default long removeIds(long[] ids) {
        throw new UnsupportedOperationException("this kind of index cannot remove ids");
    }

    /** Adds row-major {@code vectors} with one id per row. */
    void addWithIds(float[] vectors, long[] ids);

    /**
     * Makes room for {@code vectors} in all, so that adds up to that count never copy the index;
     * returns whether this kind of index supports it.
     */
    boolean reserve(long vectors);

    /**
     * Copies every vector and id out, in index order; used to carry flushed batches into an open
     * shard.
     */
    Exported export();

    /** The stored vector of one id, or null when the index holds no such id. */
    default float[] reconstruct(long id) {
        Exported all = export();
        int d = dimension();
        for (int row = 0; row < all.ids().length; row++) {
            if (all.ids()[row] == id) {
                return java.util.Arrays.copyOfRange(all.vectors(), row * d, (row + 1) * d);
            }
        }
        return null;
    }

    /** The index in its library's serialization format, as readers of the stored index load it. */
    byte[] toBytes();

    /**
     * Turns the index into its serialized bytes, held wherever it holds them best (see {@link
     * ObjectBody}); the body owns what the index owned, so this index is closed and must not be
     * used again. Close the body once stored.
     */
    default ObjectBody intoSerialized() {
        ObjectBody body = ObjectBody.of(toBytes());
        close();
        return body;
    }

    @Override
    void close();

    /** Vectors and ids copied out of an index, row-major. */
    interface Exported {

        int dimension();

        float[] vectors();

        long[] ids();

        default int count() {
            return ids().length;
        }
    }
}
