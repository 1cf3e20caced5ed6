package dev.faissshard.shard;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.stereotype.Component;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.index.IndexProgress;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.FaissLibrary;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.index.IdFile;
import dev.faissshard.index.IdSet;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.SegmentRecord;
import dev.faissshard.index.ShardRecord;

/**
 * Opens {@link ShardWriter}s where the last run left them: loads the ids of sealed shards (from their id
 * files, not the shards) and rebuilds the open shard from its flushed segments, checking each segment's
 * checksum.
 */
@Component
public class ShardWriterFactory {

    private final ShardProperties properties;
    private final Clock clock;
    private final Map<String, ShardSizeModel> sizeModels = new ConcurrentHashMap<>();

    public ShardWriterFactory(ShardProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
        FaissLibrary.ensureLoaded();
        FaissLibrary.setThreads(properties.faissThreads());
    }

    public ShardSettings settings() {
        return properties.settings();
    }

    /** Fails fast with a clear message if the configured factory cannot build shards. */
    public ShardSizeModel sizeModel(int dimension) {
        ShardSettings settings = properties.settings();
        return sizeModels.computeIfAbsent(settings.factory() + "|" + dimension + "|" + settings.metric(),
                key -> ShardSizeModel.calibrate(settings.factory(), dimension, settings.metric()));
    }

    /**
     * Refuses to build shards that the store would reject: the shard size limit must fit the store's object
     * size limit (a Supabase bucket's {@code file_size_limit}) whenever the store can tell it.
     */
    public void checkFits(StorageClient storage) {
        long maxBytes = properties.maxBytes().toBytes();
        storage.maxObjectBytes().ifPresent(limit -> {
            if (maxBytes > limit) {
                throw new IllegalArgumentException("fsb.shard.max-bytes is " + maxBytes + " bytes, over the " + limit
                        + "-byte object size limit of " + storage.description()
                        + "; lower fsb.shard.max-bytes or raise the bucket's file_size_limit");
            }
        });
    }

    public ShardWriter open(IndexType type, ModelInfo model, IndexProgress state, IndexLayout layout,
            StorageClient storage, ShardEvents events) {
        IdSet ids = new IdSet();
        for (ShardRecord shard : state.sealedShards()) {
            for (IdFile.Entry entry : IdFile.read(storage.get(layout.absolute(shard.idsFile())))) {
                ids.add(entry.faissId());
            }
        }
        ShardWriter writer = new ShardWriter(type, model, properties.settings(), sizeModel(model.dimension()), layout,
                storage, events, clock, state, ids);
        try {
            for (SegmentRecord segment : state.openSegments()) {
                byte[] data = storage.get(layout.absolute(segment.file()));
                if (!Sha256.hex(data).equals(segment.sha256())) {
                    throw new IllegalStateException("Segment " + segment.file()
                            + " does not match the checksum recorded in progress.json; storage was modified");
                }
                List<IdFile.Entry> entries = IdFile.read(storage.get(layout.absolute(segment.idsFile())));
                try (FaissIndex index = FaissIndex.fromBytes(data)) {
                    writer.restoreSegment(index.export(), entries);
                }
            }
        }
        catch (RuntimeException ex) {
            writer.close();
            throw ex;
        }
        return writer;
    }
}
