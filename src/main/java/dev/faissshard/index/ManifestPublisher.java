package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.storage.ObjectNotFoundException;
import dev.faissshard.storage.StorageClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Derives the manifest from the recorded progress and publishes it atomically. Progress is written
 * before the manifest, so after a kill between the two the manifest may lag one batch behind:
 * {@link #republishIfStale} brings it level before anything it names may be deleted.
 *
 * <p>The manifest is rewritten after every batch, so the sealed shards, which grow with the index,
 * are kept out of it: every full run of {@value #SHARDS_PER_LIST} sealed shards of a type goes into
 * an immutable {@code faiss/manifest/<type>_shards_<first>_<last>_<sha>.json} object that the
 * manifest names with its sha256 ({@link Manifest.ShardList}). Such an object is written before the
 * manifest naming it, so a reader never meets a dangling reference, and one no longer named is
 * deleted only after the manifest that stopped naming it is published.
 */
@Component
public class ManifestPublisher {

    /** Sealed-shard entries per list object: about 17 KB each. */
    public static final int SHARDS_PER_LIST = 32;

    /** Where shard-list objects live, relative to the index prefix. */
    public static final String LIST_FOLDER = "faiss/manifest/";

    /** More than the ~625 lists of a 100-million-image index, at some 30 KB of heap each. */
    private static final int CACHED_LISTS = 1024;

    private static final String SEGMENT_FACTORY = ShardWriter.SEGMENT_FACTORY;

    private static final TypeReference<List<Manifest.Entry>> ENTRY_LIST = new TypeReference<>() {};

    private final JsonMapper json;

    /** The manifest and its list objects without indentation: a third smaller. */
    private final ObjectWriter compact;

    private final Clock clock;

    /**
     * Verified shard lists by key and sha256: a list never changes under its name, and a search
     * reads the manifest again every refresh interval.
     */
    private final Map<String, List<Manifest.Entry>> lists = new ConcurrentHashMap<>();

    public ManifestPublisher(JsonMapper json, Clock clock) {
        this.json =
                json.rebuild()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .build();
        this.compact = this.json.writer().without(SerializationFeature.INDENT_OUTPUT);
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
     * Only tombstones of files the manifest names are listed. The older sealed shards are named
     * through {@link Manifest#shardLists()}; {@link #sealedShards} reads them back.
     */
    public Manifest manifest(
            Map<String, IndexProgress> indexes,
            boolean complete,
            List<TombstoneRecord> tombstones) {
        return plan(indexes, complete, tombstones).manifest();
    }

    /** A manifest and the bytes of every list object it names, by key relative to the prefix. */
    private record Plan(Manifest manifest, Map<String, byte[]> lists) {}

    private Plan plan(
            Map<String, IndexProgress> indexes,
            boolean complete,
            List<TombstoneRecord> tombstones) {
        List<Manifest.Entry> shards = new ArrayList<>();
        List<Manifest.ShardList> shardLists = new ArrayList<>();
        Map<String, byte[]> listBytes = new LinkedHashMap<>();
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
                                        training.sampleVectors(),
                                        training.choice()));
                        if (training.quality() != null) {
                            quality.put(type, training.quality());
                        }
                    }
                    List<ShardRecord> sealedShards = index.sealedShards();
                    List<Manifest.Entry> typeShards = new ArrayList<>(sealedShards.size());
                    for (ShardRecord shard : sealedShards) {
                        typeShards.add(
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
                    int full = typeShards.size() / SHARDS_PER_LIST * SHARDS_PER_LIST;
                    for (int from = 0; from < full; from += SHARDS_PER_LIST) {
                        byte[] data =
                                compact.writeValueAsBytes(
                                        typeShards.subList(from, from + SHARDS_PER_LIST));
                        String sha = Sha256.hex(data);
                        String file =
                                String.format(
                                        Locale.ROOT,
                                        "%s%s_shards_%05d_%05d_%s.json",
                                        LIST_FOLDER,
                                        type,
                                        sealedShards.get(from).shard(),
                                        sealedShards.get(from + SHARDS_PER_LIST - 1).shard(),
                                        sha.substring(0, 12));
                        listBytes.put(file, data);
                        shardLists.add(
                                new Manifest.ShardList(
                                        type, file, SHARDS_PER_LIST, data.length, sha));
                    }
                    shards.addAll(typeShards.subList(full, typeShards.size()));
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
        indexes.forEach(
                (type, index) ->
                        index.sealedShards()
                                .forEach(shard -> named.add(type + "\t" + shard.file())));
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
        Manifest manifest =
                new Manifest(
                        Manifest.FORMAT_VERSION,
                        clock.instant(),
                        shards,
                        segments,
                        complete,
                        trained,
                        quality,
                        dead,
                        shardLists);
        return new Plan(manifest, listBytes);
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

    /**
     * Writes the manifest with the tombstones of its files; returns the bytes written (the manifest
     * and any list object it names that the published manifest did not).
     */
    public long publish(
            IndexLayout layout,
            Map<String, IndexProgress> indexes,
            StorageClient storage,
            boolean complete,
            List<TombstoneRecord> tombstones) {
        Plan plan = plan(indexes, complete, tombstones);
        Set<String> before = new HashSet<>();
        read(layout, storage)
                .ifPresent(
                        published -> published.shardLists().forEach(list -> before.add(id(list))));
        long written = 0;
        Set<String> now = new HashSet<>();
        for (Manifest.ShardList list : plan.manifest().shardLists()) {
            now.add(id(list));
            if (!before.contains(id(list))) {
                // Content-addressed: the object under this name, if any, holds these very bytes.
                byte[] data = plan.lists().get(list.file());
                storage.replace(layout.absolute(list.file()), data, "application/json");
                written += data.length;
            }
        }
        // Without indentation, like progress.json: a third smaller, written every batch.
        byte[] data = compact.writeValueAsBytes(plan.manifest());
        storage.replace(layout.manifestKey(), data, "application/json");
        written += data.length;
        for (String old : before) {
            String file = old.substring(0, old.indexOf('\t'));
            String key = layout.absolute(file);
            if (!now.contains(old) && isListKey(layout, key)) {
                // Named by no published manifest any more; a reader still holding the old one
                // reads the manifest again when an object it names is gone.
                storage.delete(key);
            }
        }
        return written;
    }

    /** Whether {@code key} is a shard-list object of this index by its name. */
    public static boolean isListKey(IndexLayout layout, String key) {
        String folder = layout.absolute(LIST_FOLDER);
        return key.startsWith(folder)
                && key.substring(folder.length())
                        .matches("[a-z]+_shards_[0-9]{5,}_[0-9]{5,}_[0-9a-f]{12}\\.json");
    }

    /**
     * Every sealed shard of {@code manifest}: the entries of its shard lists, each object checked
     * against the sha256 the manifest records, then its inline shards, type by type in manifest
     * order.
     *
     * @throws ObjectNotFoundException when a list object is gone (a newer manifest replaced it:
     *     read the manifest again)
     * @throws CorruptManifestException when a list object is not the one the manifest names
     */
    public List<Manifest.Entry> sealedShards(
            Manifest manifest, IndexLayout layout, StorageClient storage) {
        if (manifest.shardLists().isEmpty()) {
            return manifest.shards();
        }
        Map<String, List<Manifest.Entry>> byType = new LinkedHashMap<>();
        for (Manifest.ShardList list : manifest.shardLists()) {
            byType.computeIfAbsent(list.type(), type -> new ArrayList<>())
                    .addAll(readList(list, layout, storage));
        }
        for (Manifest.Entry entry : manifest.shards()) {
            byType.computeIfAbsent(entry.type(), type -> new ArrayList<>()).add(entry);
        }
        List<Manifest.Entry> all = new ArrayList<>();
        byType.values().forEach(all::addAll);
        return all;
    }

    private List<Manifest.Entry> readList(
            Manifest.ShardList list, IndexLayout layout, StorageClient storage) {
        String key = layout.absolute(list.file());
        if (!isListKey(layout, key)) {
            throw new CorruptManifestException(
                    layout.manifestKey() + " names a shard list outside " + LIST_FOLDER);
        }
        String cacheKey = key + "\t" + list.sha256();
        List<Manifest.Entry> cached = lists.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        byte[] data = storage.get(key);
        if (data.length != list.bytes() || !Sha256.hex(data).equals(list.sha256())) {
            throw new CorruptManifestException(
                    key + " does not match the size and sha256 the manifest records");
        }
        List<Manifest.Entry> entries;
        try {
            entries = json.readValue(data, ENTRY_LIST);
        } catch (JacksonException ex) {
            throw new CorruptManifestException(key + " is not a shard list", ex);
        }
        for (Manifest.Entry entry : entries) {
            if (entry == null || !list.type().equals(entry.type())) {
                throw new CorruptManifestException(key + " holds a shard of another type");
            }
        }
        if (entries.size() != list.shards()) {
            throw new CorruptManifestException(
                    key + " holds another number of shards than the manifest records");
        }
        if (lists.size() >= CACHED_LISTS) {
            lists.clear();
        }
        entries = List.copyOf(entries);
        lists.put(cacheKey, entries);
        return entries;
    }

    private static String id(Manifest.ShardList list) {
        return list.file() + "\t" + list.sha256();
    }

    /** The published manifest, or empty when there is none or it cannot be read. */
    public Optional<Manifest> read(IndexLayout layout, StorageClient storage) {
        return storage.find(layout.manifestKey())
                .flatMap(
                        data -> {
                            try {
                                Manifest manifest = json.readValue(data, Manifest.class);
                                // A newer format may hold shards this reader does not know where
                                // to find.
                                return manifest.formatVersion() > Manifest.FORMAT_VERSION
                                        ? Optional.empty()
                                        : Optional.of(manifest);
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
                && expected.shardLists().equals(published.get().shardLists())
                && expected.openSegments().equals(published.get().openSegments())
                && expected.trained().equals(published.get().trained())
                && expected.tombstones().equals(published.get().tombstones())) {
            return false;
        }
        publish(layout, indexes, storage, false, tombstones);
        return true;
    }

    /**
     * Every object key (shard lists, shards, segments and their id files) the published manifest
     * names.
     */
    public Set<String> publishedKeys(IndexLayout layout, StorageClient storage) {
        Set<String> keys = new HashSet<>();
        read(layout, storage)
                .ifPresent(
                        manifest -> {
                            manifest.shardLists()
                                    .forEach(list -> keys.add(layout.absolute(list.file())));
                            for (List<Manifest.Entry> entries :
                                    List.of(
                                            sealedShards(manifest, layout, storage),
                                            manifest.openSegments())) {
                                for (Manifest.Entry entry : entries) {
                                    keys.add(layout.absolute(entry.file()));
                                    keys.add(layout.absolute(entry.idsFile()));
                                }
                            }
                        });
        return keys;
    }
}
