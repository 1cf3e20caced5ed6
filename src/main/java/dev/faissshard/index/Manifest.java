package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code faiss/manifest.json}: how readers find shards. Published after every object it names, so a
 * reader that follows it never meets a half-written shard. Keys are relative to the index prefix.
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param publishedAt when it was written
 * @param shards sealed, immutable shards of every index type
 * @param openSegments flushed batches of the shards still being filled: searchable now, replaced by
 *     a sealed shard later
 * @param complete whether a job that processed every catalogue row of this index (or partition) to
 *     the end, done or failed permanently, published it with no open segments; absent (false) in
 *     older manifests. An incremental index stays complete with its tail open: the open segments
 *     are then part of the complete index, and a reader must read them as well as the shards
 * @param tombstones vectors that were deleted but are still stored in a shard or segment: a reader
 *     skips the vector of {@code id} in {@code file}; absent (empty) in older manifests
 * @param trained the trained index of each type built with a trained factory (empty otherwise)
 * @param quality recall@10 of each trained type, measured at the end of its last build
 * @param shardLists immutable objects holding the older sealed shards, {@value
 *     ManifestPublisher#SHARDS_PER_LIST} per object, in order; {@code shards} then lists only the
 *     newest sealed shards of each type (fewer than one list's worth), so the file rewritten after
 *     every batch does not grow by a sealed-shard entry per shard. A reader reads the sealed shards
 *     of a type as the entries of its lists, in order, then its {@code shards}. Absent (empty) in
 *     format 1 manifests
 */
public record Manifest(
        int formatVersion,
        Instant publishedAt,
        List<Entry> shards,
        List<Entry> openSegments,
        Boolean complete,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TrainedEntry> trained,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, IndexQuality> quality,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TombstoneEntry> tombstones,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<ShardList> shardLists) {

    /** 2: older sealed shards moved into {@link #shardLists} objects. */
    public static final int FORMAT_VERSION = 2;

    public Manifest {
        // A wrapper, so that a manifest written before the field existed still reads (Jackson
        // refuses a
        // missing primitive); absent means false.
        complete = Boolean.TRUE.equals(complete);
        trained = trained == null ? List.of() : List.copyOf(trained);
        quality = quality == null ? Map.of() : Map.copyOf(quality);
        tombstones = tombstones == null ? List.of() : List.copyOf(tombstones);
        shardLists = shardLists == null ? List.of() : List.copyOf(shardLists);
    }

    /** A manifest with every sealed shard inline (no shard lists). */
    public Manifest(
            int formatVersion,
            Instant publishedAt,
            List<Entry> shards,
            List<Entry> openSegments,
            Boolean complete,
            List<TrainedEntry> trained,
            Map<String, IndexQuality> quality,
            List<TombstoneEntry> tombstones) {
        this(
                formatVersion,
                publishedAt,
                shards,
                openSegments,
                complete,
                trained,
                quality,
                tombstones,
                List.of());
    }

    /** A manifest without trained indexes or tombstones. */
    public Manifest(
            int formatVersion,
            Instant publishedAt,
            List<Entry> shards,
            List<Entry> openSegments,
            Boolean complete) {
        this(
                formatVersion,
                publishedAt,
                shards,
                openSegments,
                complete,
                List.of(),
                Map.of(),
                List.of(),
                List.of());
    }

    /**
     * An immutable, content-addressed object holding consecutive sealed-shard entries of one type
     * (a JSON array of {@link Entry}).
     *
     * @param type index type
     * @param file the {@code faiss/manifest/…json} object, relative to the index prefix
     * @param shards how many entries it holds
     * @param bytes object size
     * @param sha256 hex sha256 of the object; a reader refuses an object that does not match
     */
    public record ShardList(String type, String file, int shards, long bytes, String sha256) {}

    /**
     * A deleted vector still stored in a shard or open segment of this manifest.
     *
     * @param type index type
     * @param file the shard or segment ({@link Entry#file()}) holding it
     * @param id its FAISS id
     */
    public record TombstoneEntry(String type, String file, long id) {}

    /**
     * One FAISS file.
     *
     * @param type index type ({@code color}, {@code structure}, {@code combined})
     * @param file the {@code .faiss} object
     * @param vectors vector count
     * @param bytes object size
     * @param sha256 hex sha256 of the object
     * @param dimension vector length
     * @param metric FAISS metric
     * @param factory FAISS factory string the file was built with
     * @param modelId id of the model that made the vectors
     * @param modelSha256 sha256 of that model
     * @param minId smallest FAISS id
     * @param maxId largest FAISS id
     * @param idsFile {@code <faiss id>\t<catalogue id>} lines, in index order
     */
    public record Entry(
            String type,
            String file,
            long vectors,
            long bytes,
            String sha256,
            int dimension,
            String metric,
            String factory,
            String modelId,
            String modelSha256,
            long minId,
            long maxId,
            String idsFile) {}
}
