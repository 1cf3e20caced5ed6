package dev.faissshard.search;

import dev.faissshard.shard.faiss.FaissIndex;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.LongConsumer;

/**
 * One verified shard in memory: its FAISS index and the map from FAISS ids back to catalogue ids.
 * Reference-counted, because the same shard serves every snapshot of its index until a new manifest
 * drops it: the native memory is freed only when the last snapshot holding it, and with it the last
 * search using it, lets go.
 *
 * <p>Thread safety: searches, lookups and {@link #retain}/{@link #release} may run concurrently.
 */
final class LoadedShard {

    private final IndexDescription.Shard description;
    private final FaissIndex index;
    private final long[] sortedIds;
    // The catalogue ids in the order of sortedIds, as UTF-8 one after the other: primitive arrays
    // instead of a String per vector, so the id map costs ~1/3 of the heap and nothing for the GC
    // to trace.
    private final byte[] catalogIdBytes;
    private final int[] catalogIdEnds;
    private final boolean scansRows;
    private final long accountedBytes;
    private final LongConsumer onFree;
    private final References references = new References();

    LoadedShard(
            IndexDescription.Shard description,
            FaissIndex index,
            long[] faissIds,
            String[] catalogIds,
            long accountedBytes,
            LongConsumer onFree) {
        this(description, index, faissIds, catalogIds, accountedBytes, 16, 64, onFree);
    }

    /**
     * A shard searched with {@code nprobe} inverted lists (trained IVF shards) and {@code efSearch}
     * graph candidates (HNSW); flat shards ignore both.
     */
    LoadedShard(
            IndexDescription.Shard description,
            FaissIndex index,
            long[] faissIds,
            String[] catalogIds,
            long accountedBytes,
            int nprobe,
            int efSearch,
            LongConsumer onFree) {
        this.description = description;
        this.index = index;
        this.scansRows = index.scansRows();
        if (!scansRows) {
            // Set once, before any search: FAISS reads these per search, and a shard is shared
            // by every search of its snapshot.
            index.setSearchParameter("nprobe", nprobe);
            index.setSearchParameter("efSearch", efSearch);
            index.setSearchParameter("quantizer_efSearch", efSearch);
            // A search by id of a trained shard needs its (decoded) stored vector.
            index.enableReconstruct();
        }
        this.accountedBytes = accountedBytes;
        this.onFree = onFree;
        Integer[] order = new Integer[faissIds.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Long.compare(faissIds[a], faissIds[b]));
        this.sortedIds = new long[faissIds.length];
        this.catalogIdEnds = new int[faissIds.length];
        byte[][] utf8 = new byte[faissIds.length][];
        int total = 0;
        for (int i = 0; i < order.length; i++) {
            sortedIds[i] = faissIds[order[i]];
            utf8[i] = catalogIds[order[i]].getBytes(StandardCharsets.UTF_8);
            total = Math.addExact(total, utf8[i].length);
            catalogIdEnds[i] = total;
        }
        this.catalogIdBytes = new byte[total];
        for (int i = 0; i < utf8.length; i++) {
            System.arraycopy(
                    utf8[i], 0, catalogIdBytes, catalogIdEnds[i] - utf8[i].length, utf8[i].length);
        }
    }

    IndexDescription.Shard description() {
        return description;
    }

    long accountedBytes() {
        return accountedBytes;
    }

    /** The catalogue id of a FAISS id of this shard, or null. */
    String catalogId(long faissId) {
        int at = Arrays.binarySearch(sortedIds, faissId);
        if (at < 0) {
            return null;
        }
        int from = at == 0 ? 0 : catalogIdEnds[at - 1];
        return new String(catalogIdBytes, from, catalogIdEnds[at] - from, StandardCharsets.UTF_8);
    }

    /** The stored vector of a catalogue id, or null when this shard does not hold it. */
    float[] vector(long faissId, String catalogId) {
        if (!catalogId.equals(catalogId(faissId))) {
            return null;
        }
        return index.reconstruct(faissId);
    }

    /** Stored vectors. */
    int rows() {
        return sortedIds.length;
    }

    /**
     * Whether {@link #searchRows} applies (a flat shard); else {@link #search} searches it whole.
     */
    boolean scansRows() {
        return scansRows;
    }

    /**
     * The k nearest stored vectors of each row-major query, through FAISS's own search (for shards
     * that {@link #scansRows} cannot scan); k is at most the shard's vectors.
     */
    FaissIndex.SearchResult search(float[] queries, int k) {
        return index.search(queries, Math.max(1, Math.min(k, sortedIds.length)));
    }

    /** The k nearest of rows [from, to) of each row-major query, on the calling thread. */
    FaissIndex.SearchResult searchRows(float[] queries, int k, int from, int to) {
        return index.searchRows(queries, k, from, to);
    }

    /** Takes one more reference; false when the shard has already been freed. */
    boolean retain() {
        return references.retain();
    }

    void release() {
        if (references.release()) {
            index.close();
            onFree.accept(accountedBytes);
        }
    }
}
