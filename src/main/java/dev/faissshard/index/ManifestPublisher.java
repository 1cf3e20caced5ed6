package dev.faissshard.index;

import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.storage.StorageClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Derives the manifest from the recorded progress and publishes it atomically. Progress is written
 * before the manifest, so after a kill between the two the manifest may lag one batch behind:
 * {@link #republishIfStale} brings it level before anything it names may be deleted.
 */
@Component
public class ManifestPublisher {

    private static final String SEGMENT_FACTORY = ShardWriter.SEGMENT_FACTORY;

    private final JsonMapper json;
    private final Clock clock;

    public ManifestPublisher(JsonMapper json, Clock clock) {
        this.json =
                json.rebuild()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .build();
        this.clock = clock;
    }

    public Manifest manifest(Map<String, IndexProgress> indexes) {
        return manifest(indexes, false);
    }

    public Manifest manifest(Map<String, IndexProgress> indexes, boolean complete) {
        return manifest(indexes, complete, List.of());
    }

    /**
     * The manifest of {@code indexes}. {@code complete} no longer requires the open segments to be
     * gone: a finished job keeps its tail open across jobs, and the segments are part of the index.
     * Only tombstones of files the manifest names are listed.
     */
    public Manifest manifest(
            Map<String, IndexProgress> indexes,
            boolean complete,
            List<TombstoneRecord> tombstones) {
        List<Manifest.Entry> shards = new ArrayList<>();
        List<Manifest.Entry> segments = new ArrayList<>();
        List<TrainedEntry> trained = new ArrayList<>();
        Map<String, IndexQuality> quality = new TreeMap<>();
        indexes.forEach(
                (type, index) -> {
                    ModelInfo model = index.model();
                    TrainedRecord training = index.trained();
                    if (training != null) {
                        trained.add(
                                new TrainedEntry(
                                        type,
                                        training.file(),
                                        training.sha256(),
                                        training.bytes(),
                                        training.factory(),
                                        training.sampleVectors()));
                        if (training.quality() != null) {
                            quality.put(type, training.quality());
                        }
                    }
                    for (ShardRecord shard : index.sealedShards()) {
                        shards.add(
                                new Manifest.Entry(
                                        type,
                                        shard.file(),
                                        shard.vectors(),
                                        shard.bytes(),
                                        shard.sha256(),
                                        model.dimension(),
                                        index.metric(),
                                        index.factory(),
                                        model.id(),
                                        model.sha256(),
                                        shard.minId(),
                                        shard.maxId(),
                                        shard.idsFile()));
                    }
                    for (SegmentRecord segment : index.openSegments()) {
                        segments.add(
                                new Manifest.Entry(
                                        type,
                                        segment.file(),
                                        segment.vectors(),
                                        segment.bytes(),
                                        segment.sha256(),
                                        model.dimension(),
                                        index.metric(),
                                        SEGMENT_FACTORY,
                                        model.id(),
                                        model.sha256(),
                                        segment.minId(),
                                        segment.maxId(),
                                        segment.idsFile()));
                    }
                });
        Set<String> named = new HashSet<>();
        shards.forEach(entry -> named.add(entry.type() + "\t" + entry.file()));
        segments.forEach(entry -> named.add(entry.type() + "\t" + entry.file()));
        List<Manifest.TombstoneEntry> dead = new ArrayList<>();
        for (TombstoneRecord tombstone : tombstones) {
            if (named.contains(tombstone.type() + "\t" + tombstone.file())) {
                dead.add(
                        new Manifest.TombstoneEntry(
                                tombstone.type(), tombstone.file(), tombstone.faissId()));
            }
        }
        return new Manifest(
                Manifest.FORMAT_VERSION,
                clock.instant(),
                shards,
                segments,
                complete,
                trained,
                quality,
                dead);
    }

    /** Writes the manifest; returns its size in bytes. */
    public long publish(
            IndexLayout layout, Map<String, IndexProgress> indexes, StorageClient storage) {
        return publish(layout, indexes, storage, false);
    }

    /**
     * Writes the manifest, marked complete when the job that publishes it processed the whole
     * catalogue.
     */
    public long publish(
            IndexLayout layout,
            Map<String, IndexProgress> indexes,
            StorageClient storage,
            boolean complete) {
        return publish(layout, indexes, storage, complete, List.of());
    }

    /** Writes the manifest with the tombstones of its files; returns its size in bytes. */
    public long publish(
            IndexLayout layout,
            Map<String, IndexProgress> indexes,
            StorageClient storage,
            boolean complete,
            List<TombstoneRecord> tombstones) {
        byte[] data = json.writeValueAsBytes(manifest(indexes, complete, tombstones));
        storage.replace(layout.manifestKey(), data, "application/json");
        return data.length;
    }

    /** The published manifest, or empty when there is none or it cannot be read. */
    public Optional<Manifest> read(IndexLayout layout, StorageClient storage) {
        return storage.find(layout.manifestKey())
                .flatMap(
                        data -> {
                            try {
                                return Optional.of(json.readValue(data, Manifest.class));
                            } catch (JacksonException ex) {
                                return Optional.empty();
                            }
                        });
    }

    /**
     * Publishes the manifest of {@code indexes} unless the published one already names exactly the
     * same files; returns whether it was (re)published.
     */
    public boolean republishIfStale(
            IndexLayout layout, Map<String, IndexProgress> indexes, StorageClient storage) {
        return republishIfStale(layout, indexes, List.of(), storage);
    }

    /** {@link #republishIfStale(IndexLayout, Map, StorageClient)}, comparing the tombstones too. */
    public boolean republishIfStale(
            IndexLayout layout,
            Map<String, IndexProgress> indexes,
            List<TombstoneRecord> tombstones,
            StorageClient storage) {
        Manifest expected = manifest(indexes, false, tombstones);
        Optional<Manifest> published = read(layout, storage);
        if (published.isPresent()
                && published.get().formatVersion() == expected.formatVersion()
                && expected.shards().equals(published.get().shards())
                && expected.openSegments().equals(published.get().openSegments())
                && expected.trained().equals(published.get().trained())
                && expected.tombstones().equals(published.get().tombstones())) {
            return false;
        }
        publish(layout, indexes, storage, false, tombstones);
        return true;
    }

    /** Every object key (shards, segments and their id files) the published manifest names. */
    public Set<String> publishedKeys(IndexLayout layout, StorageClient storage) {
        Set<String> keys = new HashSet<>();
        read(layout, storage)
                .ifPresent(
                        manifest -> {
                            for (List<Manifest.Entry> entries :
                                    List.of(manifest.shards(), manifest.openSegments())) {
                                for (Manifest.Entry entry : entries) {
                                    keys.add(layout.absolute(entry.file()));
                                    keys.add(layout.absolute(entry.idsFile()));
                                }
                            }
                        });
        return keys;
    }
}
