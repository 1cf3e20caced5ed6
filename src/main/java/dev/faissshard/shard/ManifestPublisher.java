package dev.faissshard.shard;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.stereotype.Component;

import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.progress.IndexProgress;
import dev.faissshard.storage.StorageClient;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Derives the manifest from the recorded progress and publishes it atomically. */
@Component
public class ManifestPublisher {

    private static final String SEGMENT_FACTORY = "IDMap,Flat";

    private final JsonMapper json;
    private final Clock clock;

    public ManifestPublisher(JsonMapper json, Clock clock) {
        this.json = json.rebuild().enable(SerializationFeature.INDENT_OUTPUT).build();
        this.clock = clock;
    }

    public Manifest manifest(Map<String, IndexProgress> indexes) {
        List<Manifest.Entry> shards = new ArrayList<>();
        List<Manifest.Entry> segments = new ArrayList<>();
        indexes.forEach((type, index) -> {
            ModelInfo model = index.model();
            for (ShardRecord shard : index.sealedShards()) {
                shards.add(new Manifest.Entry(type, shard.file(), shard.vectors(), shard.bytes(), shard.sha256(),
                        model.dimension(), index.metric(), index.factory(), model.id(), model.sha256(), shard.minId(),
                        shard.maxId(), shard.idsFile()));
            }
            for (SegmentRecord segment : index.openSegments()) {
                segments.add(new Manifest.Entry(type, segment.file(), segment.vectors(), segment.bytes(),
                        segment.sha256(), model.dimension(), index.metric(), SEGMENT_FACTORY, model.id(), model.sha256(),
                        segment.minId(), segment.maxId(), segment.idsFile()));
            }
        });
        return new Manifest(Manifest.FORMAT_VERSION, clock.instant(), shards, segments);
    }

    /** Writes the manifest; returns its size in bytes. */
    public long publish(IndexLayout layout, Map<String, IndexProgress> indexes, StorageClient storage) {
        byte[] data = json.writeValueAsBytes(manifest(indexes));
        storage.replace(layout.manifestKey(), data, "application/json");
        return data.length;
    }
}
