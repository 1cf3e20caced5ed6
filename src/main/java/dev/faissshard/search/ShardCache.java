package dev.faissshard.search;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.SerializedIndex;
import dev.faissshard.storage.StorageException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The shards held in memory, bounded by {@code fsb.search.cache-max-bytes}. Room is reserved before
 * a shard is read, from the size its manifest records, so an index that does not fit is refused
 * ({@link IndexTooLargeException}) before any memory is spent on it. A shard is verified against
 * the sha256, size and vector count its manifest records before it is used. Shards are shared
 * between the snapshots of an index, keyed by storage key and checksum.
 */
@Component
class ShardCache {

    private static final Logger log = LoggerFactory.getLogger(ShardCache.class);

    /**
     * Heap per id-map entry beyond the catalogue id's characters: the long, the array slot and the
     * String's header and array header.
     */
    private static final long BYTES_PER_ID = 64;

    private final StoredIndexReader reader;
    private final long maxBytes;
    private final SearchProperties properties;
    private final AtomicLong usedBytes = new AtomicLong();
    private final Map<String, LoadedShard> live = new ConcurrentHashMap<>();

    ShardCache(StoredIndexReader reader, SearchProperties properties, MeterRegistry meters) {
        this.reader = reader;
        this.maxBytes = properties.cacheMaxBytes().toBytes();
        this.properties = properties;
        Gauge.builder("fsb.search.cache.bytes", usedBytes, AtomicLong::get)
                .description("Bytes of loaded shards (FAISS data and id maps) held for searches")
                .baseUnit("bytes")
                .register(meters);
        Gauge.builder("fsb.search.cache.max.bytes", () -> maxBytes)
                .description("fsb.search.cache-max-bytes")
                .baseUnit("bytes")
                .register(meters);
        Gauge.builder("fsb.search.cache.shards", live, Map::size)
                .description("Loaded shards and open segments held for searches")
                .register(meters);
    }

    long usedBytes() {
        return usedBytes.get();
    }

    long maxBytes() {
        return maxBytes;
    }

    int shards() {
        return live.size();
    }

    /** What loading this shard would add, or 0 when it is already loaded. */
    long bytesToLoad(IndexDescription.Shard shard) {
        LoadedShard loaded = live.get(cacheKey(shard));
        return loaded != null ? 0 : estimate(shard);
    }

    /**
     * The shard, loaded and verified if it is not in memory yet, with one reference taken for the
     * caller.
     *
     * @throws IndexTooLargeException when it does not fit
     * @throws ShardIntegrityException when its bytes do not match its manifest entry
     */
    LoadedShard acquire(IndexDescription.Shard shard) {
        String key = cacheKey(shard);
        LoadedShard existing = live.get(key);
        if (existing != null && existing.retain()) {
            return existing;
        }
        synchronized (this) {
            existing = live.get(key);
            if (existing != null && existing.retain()) {
                return existing;
            }
            LoadedShard loaded = load(shard);
            live.put(key, loaded);
            return loaded;
        }
    }

    private LoadedShard load(IndexDescription.Shard shard) {
        long reserved = estimate(shard);
        reserve(reserved);
        try {
            FaissIndex index = verifiedIndex(shard);
            StoredIndexReader.IdColumns ids;
            try {
                ids = reader.ids(shard);
            } catch (RuntimeException ex) {
                index.close();
                throw ex;
            }
            if (index.count() != shard.vectors()
                    || ids.faissIds().length != shard.vectors()
                    || index.dimension() != shard.dimension()) {
                index.close();
                throw new ShardIntegrityException(
                        "a stored shard's vectors do not match its manifest or id file");
            }
            String cacheKey = cacheKey(shard);
            LoadedShard[] self = new LoadedShard[1];
            self[0] =
                    new LoadedShard(
                            shard,
                            index,
                            ids.faissIds(),
                            ids.catalogIds(),
                            reserved,
                            properties.nprobe(),
                            properties.efSearch(),
                            bytes -> {
                                live.remove(cacheKey, self[0]);
                                usedBytes.addAndGet(-bytes);
                            });
            return self[0];
        } catch (RuntimeException ex) {
            usedBytes.addAndGet(-reserved);
            throw ex;
        }
    }

    /**
     * Streams the shard into native memory (never the heap: its pages would stay resident after the
     * copy is garbage), checks its size and sha256, and only then lets FAISS parse it in place.
     */
    private FaissIndex verifiedIndex(IndexDescription.Shard shard) {
        MessageDigest digest = Sha256.digest();
        try (InputStream in = reader.shard(shard);
                SerializedIndex data = SerializedIndex.read(in, shard.bytes(), digest)) {
            if (!data.exact() || !Sha256.hex(digest).equals(shard.sha256())) {
                log.error(
                        "Refusing {}: its bytes do not match the sha256 and size its manifest records",
                        shard.key());
                throw new ShardIntegrityException(
                        "a stored shard does not match the sha256 its manifest records");
            }
            try {
                return data.open();
            } catch (RuntimeException ex) {
                throw new ShardIntegrityException("a stored shard cannot be read by FAISS", ex);
            }
        } catch (IOException ex) {
            throw new StorageException("reading a stored shard failed: " + ex.getMessage(), ex);
        }
    }

    private void reserve(long bytes) {
        for (; ; ) {
            long used = usedBytes.get();
            if (used + bytes > maxBytes) {
                throw new IndexTooLargeException(
                        "the index's shards need more memory than fsb.search.cache-max-bytes ("
                                + maxBytes
                                + " bytes, "
                                + used
                                + " in use) allows");
            }
            if (usedBytes.compareAndSet(used, used + bytes)) {
                return;
            }
        }
    }

    private static long estimate(IndexDescription.Shard shard) {
        return shard.bytes() + shard.vectors() * BYTES_PER_ID;
    }

    private static String cacheKey(IndexDescription.Shard shard) {
        return shard.key() + "#" + shard.sha256();
    }
}
