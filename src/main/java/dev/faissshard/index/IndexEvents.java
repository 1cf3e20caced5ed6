package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;

/** What an {@link OpenIndex} reports as it works, for job statistics and metrics. */
public interface IndexEvents {

    /** An object was uploaded; {@code kind} is shard, segment, ids, progress or manifest. */
    void uploaded(String kind, long bytes, long nanos);

    /** Vectors were serialized to the vector library's format. */
    void serialized(long bytes, long nanos);

    /** Vectors were added to an in-memory index. */
    void added(IndexType type, int vectors, long nanos);

    /** A shard was sealed; it is uploaded by the next commit. */
    void sealed(IndexType type, ShardRecord shard);

    /**
     * An open segment was restored into its type's open shard: fetched, checked, decoded and added,
     * after which nothing holds its bytes any more.
     */
    default void restored(IndexType type, SegmentRecord segment, long nanos) {}

    IndexEvents NONE =
            new IndexEvents() {
                @Override
                public void uploaded(String kind, long bytes, long nanos) {}

                @Override
                public void serialized(long bytes, long nanos) {}

                @Override
                public void added(IndexType type, int vectors, long nanos) {}

                @Override
                public void sealed(IndexType type, ShardRecord shard) {}
            };
}
