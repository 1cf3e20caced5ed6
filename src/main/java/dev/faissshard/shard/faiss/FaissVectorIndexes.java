package dev.faissshard.shard.faiss;

import dev.faissshard.shard.Metric;
import dev.faissshard.shard.ShardProperties;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.shard.VectorIndexes;
import org.springframework.stereotype.Component;

/**
 * FAISS behind {@link VectorIndexes}. Loads the native library when the context starts, so that a
 * missing runtime fails the start with {@link FaissUnavailableFailureAnalyzer}'s message rather
 * than the first job, and caps FAISS's OpenMP threads: the service runs its own parallelism around
 * FAISS calls.
 */
@Component
public final class FaissVectorIndexes implements VectorIndexes {

    public FaissVectorIndexes(ShardProperties properties) {
        FaissLibrary.ensureLoaded();
        FaissLibrary.setDefaultThreads(properties.faissThreads());
    }

    @Override
    public VectorIndex create(int dimension, String factory, Metric metric) {
        return FaissIndex.create(dimension, factory, metric);
    }

    @Override
    public VectorIndex fromBytes(byte[] data) {
        return FaissIndex.fromBytes(data);
    }
}
