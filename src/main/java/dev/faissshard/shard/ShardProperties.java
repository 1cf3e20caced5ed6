package dev.faissshard.shard;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How shards are built.
 *
 * @param maxBytes seal a shard before its serialized size would pass this (Supabase rejects files
 *     over ~50 MB)
 * @param maxVectors seal a shard before it would hold more vectors than this; 0 for no limit
 * @param factory FAISS index factory string: untrained kinds wrapped in {@code IDMap} ({@code
 *     IDMap,Flat}, {@code IDMap,HNSW32}), trained kinds with ids of their own ({@code
 *     IVF1024,PQ89}, {@code OPQ64_512,IVF4096_HNSW32,PQ64}) or in {@code IDMap} ({@code
 *     IDMap,PQ89})
 * @param metric distance between vectors; the built-in models produce unit vectors meant for inner
 *     product
 * @param faissThreads OpenMP threads FAISS may use; the job already keeps every core busy
 * @param trainingSample vectors a trained factory is trained on, the first of the catalogue; FAISS
 *     asks for at least 39 per k-means centroid, which is checked
 * @param qualityNprobe inverted lists searched when the build measures a trained index's recall;
 *     keep it equal to {@code fsb.search.nprobe}
 */
@Validated
@ConfigurationProperties("fsb.shard")
public record ShardProperties(
        @DefaultValue("45MB") @NotNull DataSize maxBytes,
        @DefaultValue("0") @Min(0) long maxVectors,
        @DefaultValue("IDMap,Flat") @NotBlank String factory,
        @DefaultValue("inner-product") @NotNull Metric metric,
        @DefaultValue("1") @Min(1) int faissThreads,
        @DefaultValue("100000") @Min(1) long trainingSample,
        @DefaultValue("16") @Min(1) int qualityNprobe) {

    @ConstructorBinding
    public ShardProperties {
        if (maxBytes != null && maxBytes.toBytes() < 64 * 1024) {
            throw new IllegalArgumentException(
                    "fsb.shard.max-bytes must be at least 64KB, was " + maxBytes);
        }
        // A shard is serialized into one byte array before upload.
        if (maxBytes != null && maxBytes.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "fsb.shard.max-bytes must be at most 2GB, was " + maxBytes);
        }
    }

    /** Untrained-factory properties with the shipped defaults for the rest. */
    public ShardProperties(
            DataSize maxBytes, long maxVectors, String factory, Metric metric, int faissThreads) {
        this(maxBytes, maxVectors, factory, metric, faissThreads, 100_000, 16);
    }

    public ShardSettings settings() {
        return new ShardSettings(
                factory, metric, maxBytes.toBytes(), maxVectors, trainingSample, qualityNprobe);
    }
}
