package dev.faissshard.index;

import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * The fingerprints of one type's sealed shards, read lazily: a shard's id and fingerprint files are
 * read the first time an id inside its {@code [minId, maxId]} is asked about, and kept in a cache
 * bounded by {@link #CACHED_ROWS} rows (16 bytes each), dropping the least recently used shard. A
 * job over integer ids reads its catalogue in id order and so reads each shard once; hashed ids
 * spread over every shard, and an index of more than {@code CACHED_ROWS} rows per type then reads
 * shards again as it goes. Shards sealed before fingerprints were kept have none: their rows count
 * as unchanged. Not thread-safe.
 */
final class SealedFingerprints {

    /** Rows held at most (16 MB per type). */
    static final int CACHED_ROWS = 1 << 20;

    private final StorageClient store;
    private final IndexLayout layout;
    private final Map<String, Table> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long cachedRows;

    private List<ShardRecord> indexedFrom;
    private ShardRecord[] byMinId = new ShardRecord[0];
    private long[] minIds = new long[0];
    private long[] reach = new long[0];

    SealedFingerprints(StorageClient store, IndexLayout layout) {
        this.store = store;
        this.layout = layout;
    }

    /**
     * The fingerprint stored for the live vector of {@code faissId} among these shards (skipping
     * vectors {@code dead} says are deleted), or {@link RowFingerprint#UNKNOWN}.
     */
    long fingerprint(List<ShardRecord> shards, long faissId, BiPredicate<String, Long> dead) {
        index(shards);
        int upper = upperBound(faissId);
        for (int i = upper - 1; i >= 0 && reach[i] >= faissId; i--) {
            ShardRecord shard = byMinId[i];
            if (shard.maxId() < faissId || dead.test(shard.file(), faissId)) {
                continue;
            }
            long found = table(shard).get(faissId);
            if (found != RowFingerprint.UNKNOWN) {
                return found;
            }
        }
        return RowFingerprint.UNKNOWN;
    }

    private void index(List<ShardRecord> shards) {
        if (shards == indexedFrom) {
            return;
        }
        List<ShardRecord> withPrints = new ArrayList<>();
        for (ShardRecord shard : shards) {
            if (shard.urlsFile() != null && shard.vectors() > 0) {
                withPrints.add(shard);
            }
        }
        withPrints.sort(Comparator.comparingLong(ShardRecord::minId));
        byMinId = withPrints.toArray(ShardRecord[]::new);
        minIds = new long[byMinId.length];
        reach = new long[byMinId.length];
        long furthest = Long.MIN_VALUE;
        for (int i = 0; i < byMinId.length; i++) {
            minIds[i] = byMinId[i].minId();
            furthest = Math.max(furthest, byMinId[i].maxId());
            reach[i] = furthest;
        }
        indexedFrom = shards;
    }

    /** Shards whose minId is at most {@code id}: indices {@code [0, result)}. */
    private int upperBound(long id) {
        int low = 0;
        int high = minIds.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (minIds[mid] <= id) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private Table table(ShardRecord shard) {
        Table table = cache.get(shard.file());
        if (table != null) {
            return table;
        }
        List<IdFile.Entry> entries = IdFile.read(store.get(layout.absolute(shard.idsFile())));
        long[] prints =
                FingerprintFile.read(
                        store.get(layout.absolute(shard.urlsFile())),
                        entries.size(),
                        shard.urlsFile());
        Integer[] order = new Integer[entries.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong(row -> entries.get(row).faissId()));
        long[] ids = new long[order.length];
        long[] sorted = new long[order.length];
        for (int i = 0; i < order.length; i++) {
            ids[i] = entries.get(order[i]).faissId();
            sorted[i] = prints[order[i]];
        }
        table = new Table(ids, sorted);
        cache.put(shard.file(), table);
        cachedRows += ids.length;
        var eldest = cache.entrySet().iterator();
        while (cachedRows > CACHED_ROWS && cache.size() > 1) {
            Table dropped = eldest.next().getValue();
            eldest.remove();
            cachedRows -= dropped.ids.length;
        }
        return table;
    }

    /** One shard's fingerprints, sorted by FAISS id. */
    private record Table(long[] ids, long[] fingerprints) {
        long get(long id) {
            int at = Arrays.binarySearch(ids, id);
            return at < 0 ? RowFingerprint.UNKNOWN : fingerprints[at];
        }
    }
}
