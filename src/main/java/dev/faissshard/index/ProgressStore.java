package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads and atomically replaces {@code progress.json}. The file is written after every batch, so
 * what grows with the index is kept out of it: failures ({@link FailureLog}) and the records of
 * sealed shards, which go, {@value #SHARDS_PER_CHUNK} at a time once that many are sealed, into
 * immutable {@code faiss/state/<type>_shards_<first>_<last>_<sha>.json} objects it names. A loaded
 * progress lists every sealed shard again, so readers see no difference.
 */
@Component
public class ProgressStore {

    /** Sealed-shard records per chunk object. */
    public static final int SHARDS_PER_CHUNK = 32;

    /** Where chunk objects live, relative to the index prefix. */
    public static final String CHUNK_FOLDER = "faiss/state/";

    private static final TypeReference<List<ShardRecord>> SHARD_LIST = new TypeReference<>() {};
    private static final TypeReference<List<FailureLogRecord>> FAILURE_RECORDS =
            new TypeReference<>() {};

    private static final ChunkTree<ShardChunkRecord> SHARD_TREE =
            new ChunkTree<>(
                    ShardChunkRecord::firstShard,
                    ShardChunkRecord::lastShard,
                    new TypeReference<List<ShardChunkRecord>>() {},
                    ProgressStore::isChunkListKey);
    private static final ChunkTree<FailureChunkRecord> FAILURE_TREE =
            new ChunkTree<>(
                    FailureChunkRecord::firstSeq,
                    FailureChunkRecord::lastSeq,
                    new TypeReference<List<FailureChunkRecord>>() {},
                    FailureLog::isChunkListKey);

    private final JsonMapper json;

    /** Chunks and the file itself without indentation: a third smaller, written every batch. */
    private final ObjectWriter compact;

    public ProgressStore(JsonMapper json) {
        // Unknown fields are tolerated so that a newer minor writer does not break an older reader;
        // an incompatible change bumps the format version instead.
        this.json =
                json.rebuild()
                        .enable(SerializationFeature.INDENT_OUTPUT)
                        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                        .build();
        this.compact = this.json.writer().without(SerializationFeature.INDENT_OUTPUT);
    }

    public Optional<Progress> load(IndexLayout layout, StorageClient storage) {
        return storage.find(layout.progressKey())
                .map(data -> inflate(layout, storage, parse(layout.progressKey(), data)));
    }

    /** Whether {@code key} is a sealed-shard chunk object of this index by its name. */
    public static boolean isChunkKey(IndexLayout layout, String key) {
        String folder = layout.absolute(CHUNK_FOLDER);
        return key.startsWith(folder)
                && key.substring(folder.length())
                        .matches("[a-z]+_shards_[0-9]{5}_[0-9]{5}_[0-9a-f]{12}\\.json");
    }

    /**
     * What a save wrote.
     *
     * @param progress the progress as stored, as {@link #load} would return it
     * @param progressBytes bytes of {@code progress.json}
     * @param chunkBytes bytes of sealed-shard chunks and their lists
     * @param failureListBytes bytes of lists of failure-log chunks
     */
    public record Saved(
            Progress progress, long progressBytes, long chunkBytes, long failureListBytes) {

        public Saved(Progress progress, long progressBytes, long chunkBytes) {
            this(progress, progressBytes, chunkBytes, 0);
        }
    }

    /**
     * Writes the progress (first any chunk object or chunk list it names that {@code previous}, the
     * progress in storage, does not): returns it as stored, with its chunks and lists named, and
     * the bytes written.
     */
    public Saved save(
            IndexLayout layout, StorageClient storage, Progress progress, Progress previous) {
        Map<String, IndexProgress> inline = new TreeMap<>();
        Map<String, List<ShardChunkRecord>> chunks = new TreeMap<>();
        Map<String, List<ShardChunkRecord>> inlineChunks = new TreeMap<>();
        Map<String, List<ChunkListRecord>> topShardLists = new TreeMap<>();
        Map<String, List<ChunkListRecord>> allShardLists = new TreeMap<>();
        long chunkBytes = 0;
        for (Map.Entry<String, IndexProgress> entry : progress.indexes().entrySet()) {
            String type = entry.getKey();
            IndexProgress index = entry.getValue();
            List<ShardRecord> sealed = index.sealedShards();
            IndexProgress before = previous.indexes().get(type);
            List<ShardChunkRecord> known = previous.shardChunks().getOrDefault(type, List.of());
            int full = sealed.size() / SHARDS_PER_CHUNK * SHARDS_PER_CHUNK;
            List<ShardChunkRecord> refs = new ArrayList<>();
            for (int from = 0; from < full; from += SHARDS_PER_CHUNK) {
                List<ShardRecord> part = sealed.subList(from, from + SHARDS_PER_CHUNK);
                int chunk = from / SHARDS_PER_CHUNK;
                if (chunk < known.size()
                        && before != null
                        && before.sealedShards().size() >= from + SHARDS_PER_CHUNK
                        && before.sealedShards()
                                .subList(from, from + SHARDS_PER_CHUNK)
                                .equals(part)) {
                    refs.add(known.get(chunk));
                    continue;
                }
                byte[] data = compact.writeValueAsBytes(part);
                String sha = Sha256.hex(data);
                String file =
                        String.format(
                                Locale.ROOT,
                                "%s%s_shards_%05d_%05d_%s.json",
                                CHUNK_FOLDER,
                                type,
                                part.get(0).shard(),
                                part.get(part.size() - 1).shard(),
                                sha.substring(0, 12));
                storage.replace(layout.absolute(file), data, "application/json");
                chunkBytes += data.length;
                refs.add(
                        new ShardChunkRecord(
                                file,
                                part.get(0).shard(),
                                part.get(part.size() - 1).shard(),
                                data.length,
                                sha));
            }
            ChunkTree.Built<ShardChunkRecord> lists =
                    SHARD_TREE.build(
                            refs,
                            (level, first, last, sha12) ->
                                    String.format(
                                            Locale.ROOT,
                                            "%s%s_list%d_%05d_%05d_%s.json",
                                            CHUNK_FOLDER,
                                            type,
                                            level,
                                            first,
                                            last,
                                            sha12),
                            files(previous.lists().shards().getOrDefault(type, List.of())),
                            compact,
                            layout,
                            storage);
            chunkBytes += lists.bytesWritten();
            if (!refs.isEmpty()) {
                chunks.put(type, refs);
            }
            if (!lists.inline().isEmpty()) {
                inlineChunks.put(type, lists.inline());
            }
            if (!lists.all().isEmpty()) {
                topShardLists.put(type, lists.top());
                allShardLists.put(type, lists.all());
            }
            inline.put(type, withSealed(index, sealed.subList(full, sealed.size())));
        }
        int chunkedFailures =
                progress.failureChunks().stream().mapToInt(FailureChunkRecord::records).sum();
        if (chunkedFailures > progress.failureLog().size()) {
            throw new IllegalArgumentException("failure chunks name more records than the log has");
        }
        ChunkTree.Built<FailureChunkRecord> failureLists =
                FAILURE_TREE.build(
                        progress.failureChunks(),
                        (level, first, last, sha12) ->
                                String.format(
                                        Locale.ROOT,
                                        "%slist%d_%010d_%010d_%s.json",
                                        FailureLog.FOLDER,
                                        level,
                                        first,
                                        last,
                                        sha12),
                        files(previous.lists().failures()),
                        compact,
                        layout,
                        storage);
        ChunkLists topLists = new ChunkLists(topShardLists, failureLists.top());
        Progress stored =
                new Progress(
                        topLists.isEmpty()
                                ? progress.formatVersion()
                                : Math.max(
                                        progress.formatVersion(),
                                        Progress.CHUNK_LISTS_FORMAT_VERSION),
                        progress.updatedAt(),
                        progress.nextBatch(),
                        inline,
                        progress.failures(),
                        progress.failureLog()
                                .subList(chunkedFailures, progress.failureLog().size()),
                        inlineChunks,
                        progress.tombstones(),
                        failureLists.inline(),
                        progress.transientFailures(),
                        topLists);
        byte[] data = compact.writeValueAsBytes(stored);
        storage.replace(layout.progressKey(), data, "application/json");
        Progress loaded =
                new Progress(
                        stored.formatVersion(),
                        progress.updatedAt(),
                        progress.nextBatch(),
                        progress.indexes(),
                        progress.failures(),
                        progress.failureLog(),
                        chunks,
                        progress.tombstones(),
                        progress.failureChunks(),
                        progress.transientFailures(),
                        new ChunkLists(allShardLists, failureLists.all()));
        return new Saved(loaded, data.length, chunkBytes, failureLists.bytesWritten());
    }

    private static Set<String> files(List<ChunkListRecord> lists) {
        Set<String> files = new HashSet<>();
        lists.forEach(list -> files.add(list.file()));
        return files;
    }

    /** Whether {@code key} is a list of sealed-shard chunks of this index by its name. */
    public static boolean isChunkListKey(IndexLayout layout, String key) {
        String folder = layout.absolute(CHUNK_FOLDER);
        return key.startsWith(folder)
                && key.substring(folder.length())
                        .matches("[a-z]+_list[1-9]_[0-9]{5}_[0-9]{5}_[0-9a-f]{12}\\.json");
    }

    /** The progress as stored, with the sealed shards its chunk objects hold put back in front. */
    private Progress inflate(IndexLayout layout, StorageClient storage, Progress stored) {
        ChunkLists top = stored.lists();
        Map<String, List<ShardChunkRecord>> shardChunks = new TreeMap<>(stored.shardChunks());
        Map<String, List<ChunkListRecord>> shardLists = new TreeMap<>();
        for (Map.Entry<String, List<ChunkListRecord>> entry : top.shards().entrySet()) {
            ChunkTree.Expanded<ShardChunkRecord> expanded =
                    SHARD_TREE.expand(entry.getValue(), json, layout, storage);
            List<ShardChunkRecord> refs = new ArrayList<>(expanded.references());
            refs.addAll(shardChunks.getOrDefault(entry.getKey(), List.of()));
            shardChunks.put(entry.getKey(), refs);
            shardLists.put(entry.getKey(), expanded.lists());
        }
        ChunkTree.Expanded<FailureChunkRecord> failures =
                FAILURE_TREE.expand(top.failures(), json, layout, storage);
        List<FailureChunkRecord> failureChunks = new ArrayList<>(failures.references());
        failureChunks.addAll(stored.failureChunks());
        List<FailureLogRecord> log = new ArrayList<>();
        for (FailureChunkRecord ref : failureChunks) {
            log.addAll(readFailureChunk(layout, storage, ref));
        }
        log.addAll(stored.failureLog());
        Map<String, IndexProgress> indexes = new TreeMap<>(stored.indexes());
        shardChunks.forEach(
                (type, refs) -> {
                    IndexProgress index = indexes.get(type);
                    if (index == null) {
                        throw new CorruptProgressException(
                                layout.progressKey()
                                        + " names shard chunks of an index type it does"
                                        + " not hold");
                    }
                    List<ShardRecord> sealed = new ArrayList<>();
                    for (ShardChunkRecord ref : refs) {
                        sealed.addAll(readChunk(layout, storage, ref));
                    }
                    sealed.addAll(index.sealedShards());
                    indexes.put(type, withSealed(index, sealed));
                });
        return new Progress(
                stored.formatVersion(),
                stored.updatedAt(),
                stored.nextBatch(),
                indexes,
                stored.failures(),
                log,
                shardChunks,
                stored.tombstones(),
                failureChunks,
                stored.transientFailures(),
                new ChunkLists(shardLists, failures.lists()));
    }

    private List<FailureLogRecord> readFailureChunk(
            IndexLayout layout, StorageClient storage, FailureChunkRecord ref) {
        String key = layout.absolute(ref.file());
        byte[] data =
                ProgressObjects.readVerified(
                        layout,
                        storage,
                        ref.file(),
                        ref.sha256(),
                        FailureLog::isChunkKey,
                        "failure-log chunk");
        try {
            List<FailureLogRecord> records = json.readValue(data, FAILURE_RECORDS);
            if (records.size() != ref.records()) {
                throw new CorruptProgressException(
                        key + " holds " + records.size() + " records, not " + ref.records());
            }
            return records;
        } catch (JacksonException ex) {
            throw new CorruptProgressException(
                    key + " is not valid failure-chunk JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    /** Serialized as {@code progress.json} is: without indentation. */
    byte[] compactJson(Object value) {
        return compact.writeValueAsBytes(value);
    }

    private List<ShardRecord> readChunk(
            IndexLayout layout, StorageClient storage, ShardChunkRecord ref) {
        String key = layout.absolute(ref.file());
        byte[] data =
                ProgressObjects.readVerified(
                        layout,
                        storage,
                        ref.file(),
                        ref.sha256(),
                        ProgressStore::isChunkKey,
                        "shard chunk object");
        try {
            return json.readValue(data, SHARD_LIST);
        } catch (JacksonException ex) {
            throw new CorruptProgressException(
                    key + " is not valid shard-chunk JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    private static IndexProgress withSealed(IndexProgress index, List<ShardRecord> sealed) {
        return new IndexProgress(
                index.model(),
                index.metric(),
                index.factory(),
                sealed,
                index.openShard(),
                index.openSegments(),
                index.trained());
    }

    /**
     * The failures recorded for the index at this layout (empty without progress), read through
     * {@link FailureLog}. A job compacting the log meanwhile may delete an object the progress just
     * read names: then the progress is read again, since it names the compacted object by now.
     */
    public Optional<SortedMap<String, FailureRecord>> failures(
            IndexLayout layout, StorageClient storage) {
        for (int attempt = 1; ; attempt++) {
            Optional<Progress> progress = load(layout, storage);
            if (progress.isEmpty()) {
                return Optional.empty();
            }
            try {
                return Optional.of(failures(layout, storage, progress.get()));
            } catch (FailureLogUnavailableException ex) {
                if (attempt >= 3) {
                    throw ex;
                }
            }
        }
    }

    /** The failures {@code progress} records (see {@link FailureLog#read}). */
    public SortedMap<String, FailureRecord> failures(
            IndexLayout layout, StorageClient storage, Progress progress) {
        return FailureLog.read(layout, storage, progress, json);
    }

    /** The failure log of an index opened for a run. */
    FailureLog openFailureLog(IndexLayout layout, StorageClient storage, Progress progress) {
        return FailureLog.open(layout, storage, progress, json);
    }

    Progress parse(String key, byte[] data) {
        Progress progress;
        try {
            progress = json.readValue(data, Progress.class);
        } catch (JacksonException ex) {
            throw new CorruptProgressException(
                    key + " is not valid progress JSON: " + ex.getOriginalMessage(), ex);
        }
        if (progress.formatVersion() > Progress.CHUNK_LISTS_FORMAT_VERSION) {
            throw new CorruptProgressException(
                    key
                            + " has format version "
                            + progress.formatVersion()
                            + ", newer than this service understands ("
                            + Progress.CHUNK_LISTS_FORMAT_VERSION
                            + "); upgrade the service");
        }
        return progress;
    }

    byte[] serialize(Progress progress) {
        return compact.writeValueAsBytes(progress);
    }
}
