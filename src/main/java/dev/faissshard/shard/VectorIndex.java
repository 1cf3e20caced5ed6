package dev.faissshard.shard;

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

    /** The index in its library's serialization format, as readers of the stored index load it. */
    byte[] toBytes();

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
