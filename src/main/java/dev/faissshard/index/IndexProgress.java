package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.faissshard.embedding.ModelInfo;
import java.util.List;

/**
 * What one index type holds in storage.
 *
 * @param model the model every vector of this index was made with
 * @param metric FAISS metric name
 * @param factory FAISS factory string of the sealed shards
 * @param sealedShards immutable shards, in order
 * @param openShard number of the shard being filled
 * @param openSegments flushed batches of the open shard, in order
 * @param trained the trained index every shard starts from; null for untrained factories and before
 *     training
 */
public record IndexProgress(
        ModelInfo model,
        String metric,
        String factory,
        List<ShardRecord> sealedShards,
        int openShard,
        List<SegmentRecord> openSegments,
        @JsonInclude(JsonInclude.Include.NON_NULL) TrainedRecord trained) {

    public IndexProgress {
        sealedShards = List.copyOf(sealedShards);
        openSegments = List.copyOf(openSegments);
    }

    public static IndexProgress empty(ModelInfo model, String metric, String factory) {
        return new IndexProgress(model, metric, factory, List.of(), 1, List.of(), null);
    }

    /** Vectors stored across sealed shards and open segments. */
    public long vectors() {
        return sealedShards.stream().mapToLong(ShardRecord::vectors).sum()
                + openSegments.stream().mapToLong(SegmentRecord::vectors).sum();
    }

    /** Bytes of sealed shards and open segments. */
    public long bytes() {
        return sealedShards.stream().mapToLong(ShardRecord::bytes).sum()
                + openSegments.stream().mapToLong(SegmentRecord::bytes).sum();
    }
}
