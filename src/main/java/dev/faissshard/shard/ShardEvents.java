package dev.faissshard.shard;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.ShardRecord;

/** What a {@link ShardWriter} reports as it works, for job statistics and metrics. */
public interface ShardEvents {

    /** An object was uploaded; {@code kind} is shard, segment, ids or metadata. */
    void uploaded(String kind, long bytes, long nanos);

    /** Vectors were serialized to FAISS's format. */
    void serialized(long bytes, long nanos);

    /** Vectors were added to an in-memory index. */
    void added(IndexType type, int vectors, long nanos);

    /** A shard was sealed and uploaded. */
    void sealed(IndexType type, ShardRecord shard);

    ShardEvents NONE = new ShardEvents() {
        @Override
        public void uploaded(String kind, long bytes, long nanos) {
        }

        @Override
        public void serialized(long bytes, long nanos) {
        }

        @Override
        public void added(IndexType type, int vectors, long nanos) {
        }

        @Override
        public void sealed(IndexType type, ShardRecord shard) {
        }
    };
}
