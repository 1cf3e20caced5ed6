package dev.faissshard.shard;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How shards are built.
 *
 * @param maxBytes seal a shard before its serialized size would pass this (Supabase rejects files
 *     over ~50 MB)
 * @param maxVectors seal a shard before it would hold more vectors than this; 0 for no limit
 * @param factory FAISS index factory string; must accept ids (an {@code IDMap} wrapper) and need no
 *     training
 * @param metric distance between vectors; the built-in models produce unit vectors meant for inner
 *     product
 * @param faissThreads OpenMP threads FAISS may use; the job already keeps every core busy
 */
@Validated
@ConfigurationProperties("fsb.shard")
public record ShardProperties(
        @DefaultValue("45MB") @NotNull DataSize maxBytes,
        @DefaultValue("0") @Min(0) long maxVectors,
        @DefaultValue("IDMap,Flat") @NotBlank String factory,
        @DefaultValue("inner-product") @NotNull Metric metric,
        @DefaultValue("1") @Min(1) int faissThreads) {

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

    public ShardSettings settings() {
        return new ShardSettings(factory, metric, maxBytes.toBytes(), maxVectors);
    }
}
