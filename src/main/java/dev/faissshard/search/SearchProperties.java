package dev.faissshard.search;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How the service answers searches.
 *
 * @param cacheMaxBytes loaded shards (FAISS data plus their id maps) held in memory at most; an
 *     index that does not fit is refused with a problem instead of risking the process
 * @param threads threads running searches, apart from the job and request threads; 0 for one per
 *     core
 * @param queueCapacity searches waiting for a thread at most; more are refused with 503
 * @param maxK largest {@code k} a request may ask for
 * @param refreshInterval how often the manifests of loaded indexes are read again, so a running
 *     build's new shards are served
 * @param timeout longest wait for one search, loading included
 * @param faissThreads OpenMP threads of one FAISS search; the search threads already run in
 *     parallel
 * @param maxIndexes index prefixes held loaded at once; the least recently used idle one makes room
 * @param scanThreads threads scanning shards for batches of queries; 0 for one per core
 * @param maxBatch queries of one index type scanned together at most: the queries that arrived
 *     while the previous batch ran share one pass over the stored vectors
 * @param batchWindow how long a query that finds no batch of its shards running waits for others to
 *     join it before its scan starts; 0 to start at once
 * @param nprobe inverted lists searched per query in shards of a trained IVF factory: more finds
 *     more of the exact neighbours, at a cost linear in it; the manifest's {@code quality} records
 *     the recall the build measured with {@code fsb.shard.quality-nprobe}
 * @param efSearch candidates an HNSW graph (an {@code IDMap,HNSW32} shard or an IVF's HNSW
 *     quantizer) keeps while searching
 */
@Validated
@ConfigurationProperties("fsb.search")
public record SearchProperties(
        @DefaultValue("1GB") @NotNull DataSize cacheMaxBytes,
        @DefaultValue("0") @Min(0) @Max(256) int threads,
        @DefaultValue("64") @Min(0) @Max(100000) int queueCapacity,
        @DefaultValue("1000") @Min(1) @Max(100000) int maxK,
        @DefaultValue("5s") @NotNull Duration refreshInterval,
        @DefaultValue("30s") @NotNull Duration timeout,
        @DefaultValue("1") @Min(1) @Max(256) int faissThreads,
        @DefaultValue("16") @Min(1) @Max(4096) int maxIndexes,
        @DefaultValue("0") @Min(0) @Max(256) int scanThreads,
        @DefaultValue("32") @Min(1) @Max(1024) int maxBatch,
        @DefaultValue("1ms") @NotNull Duration batchWindow,
        @DefaultValue("16") @Min(1) @Max(65536) int nprobe,
        @DefaultValue("64") @Min(1) @Max(65536) int efSearch) {

    /** Properties with the shipped nprobe and efSearch. */
    public SearchProperties(
            DataSize cacheMaxBytes,
            int threads,
            int queueCapacity,
            int maxK,
            Duration refreshInterval,
            Duration timeout,
            int faissThreads,
            int maxIndexes,
            int scanThreads,
            int maxBatch,
            Duration batchWindow) {
        this(
                cacheMaxBytes,
                threads,
                queueCapacity,
                maxK,
                refreshInterval,
                timeout,
                faissThreads,
                maxIndexes,
                scanThreads,
                maxBatch,
                batchWindow,
                16,
                64);
    }

    @ConstructorBinding
    public SearchProperties {
        if (refreshInterval != null && refreshInterval.toMillis() < 10) {
            throw new IllegalArgumentException("fsb.search.refresh-interval must be at least 10ms");
        }
        if (batchWindow != null
                && (batchWindow.isNegative()
                        || batchWindow.compareTo(Duration.ofMillis(100)) > 0)) {
            throw new IllegalArgumentException("fsb.search.batch-window must be 0 to 100ms");
        }
        if (timeout != null && timeout.toMillis() < 1) {
            throw new IllegalArgumentException("fsb.search.timeout must be positive");
        }
    }

    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    public int effectiveScanThreads() {
        return scanThreads > 0 ? scanThreads : Runtime.getRuntime().availableProcessors();
    }
}
