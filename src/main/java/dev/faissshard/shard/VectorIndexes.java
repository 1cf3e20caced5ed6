package dev.faissshard.shard;

/**
 * Makes and reads {@link VectorIndex}es: the one seam between shard building and the vector
 * library.
 */
public interface VectorIndexes {

    /**
     * An empty index of the kind named by {@code factory} (a FAISS factory string such as {@code
     * IDMap,Flat}).
     */
    VectorIndex create(int dimension, String factory, Metric metric);

    /** Reads an index serialized by {@link VectorIndex#toBytes()}. */
    VectorIndex fromBytes(byte[] data);
}
