package dev.faissshard.shard;

import dev.faissshard.storage.StorageClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Makes {@link ShardWriter}s with the configured shard settings, calibrating each size model once.
 */
@Component
public class ShardWriterFactory {

    private final ShardProperties properties;
    private final VectorIndexes indexes;
    private final Map<String, ShardSizeModel> sizeModels = new ConcurrentHashMap<>();

    public ShardWriterFactory(ShardProperties properties, VectorIndexes indexes) {
        this.properties = properties;
        this.indexes = indexes;
    }

    public ShardSettings settings() {
        return properties.settings();
    }

    /** The library the shards are made with, for reading back what the writers produced. */
    public VectorIndexes indexes() {
        return indexes;
    }

    /** Fails fast with a clear message if the configured factory cannot build shards. */
    public ShardSizeModel sizeModel(int dimension) {
        ShardSettings settings = properties.settings();
        return sizeModels.computeIfAbsent(
                settings.factory() + "|" + dimension + "|" + settings.metric(),
                key ->
                        ShardSizeModel.calibrate(
                                indexes, settings.factory(), dimension, settings.metric()));
    }

    /**
     * Refuses to build shards that the store would reject: the shard size limit must fit the
     * store's object size limit (a Supabase bucket's {@code file_size_limit}) whenever the store
     * can tell it.
     */
    public void checkFits(StorageClient storage) {
        long maxBytes = properties.maxBytes().toBytes();
        storage.maxObjectBytes()
                .ifPresent(
                        limit -> {
                            if (maxBytes > limit) {
                                throw new IllegalArgumentException(
                                        "fsb.shard.max-bytes is "
                                                + maxBytes
                                                + " bytes, over the "
                                                + limit
                                                + "-byte object size limit of "
                                                + storage.description()
                                                + "; lower fsb.shard.max-bytes or raise the bucket's file_size_limit");
                            }
                        });
    }

    /** An empty writer for vectors of {@code dimension}. */
    public ShardWriter open(int dimension) {
        return new ShardWriter(dimension, properties.settings(), sizeModel(dimension), indexes);
    }
}
