package dev.faissshard.storage;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where shards, the manifest and progress go.
 *
 * @param type which store
 * @param local settings of the local directory store
 * @param supabase settings of the Supabase Storage store (connection: {@code fsb.supabase})
 */
@Validated
@ConfigurationProperties("fsb.storage")
public record StorageProperties(
        @DefaultValue("local") @NotNull Type type,
        @DefaultValue @Valid @NotNull Local local,
        @DefaultValue @Valid @NotNull Supabase supabase) {

    /** The kinds of store. */
    public enum Type {
        /** A directory laid out like the bucket. */
        LOCAL,
        /** A Supabase Storage bucket. */
        SUPABASE
    }

    /**
     * The local directory store.
     *
     * @param root the directory that stands for the bucket
     */
    public record Local(@DefaultValue("./data/storage") @NotNull Path root) {}

    /**
     * The Supabase Storage store.
     *
     * @param bucket the bucket that holds shards, the manifest and progress
     * @param createBucket create the bucket at startup if it does not exist (needs the service role
     *     key)
     * @param bucketFileSizeLimit {@code file_size_limit} of a bucket created at startup; 0 for the
     *     project's limit
     * @param resumableThreshold objects larger than this go through the resumable (TUS) endpoint
     * @param resumableChunkSize bytes per TUS {@code PATCH}; an interrupted upload resumes at a
     *     chunk's offset (hosted Supabase, on S3, wants 6 MB chunks)
     * @param listPageSize objects per list request
     */
    public record Supabase(
            @DefaultValue("faiss-shards") @NotBlank String bucket,
            @DefaultValue("false") boolean createBucket,
            @DefaultValue("0B") @NotNull DataSize bucketFileSizeLimit,
            @DefaultValue("6MB") @NotNull DataSize resumableThreshold,
            @DefaultValue("6MB") @NotNull DataSize resumableChunkSize,
            @DefaultValue("1000") @Min(1) @Max(10000) int listPageSize) {

        // Standard uploads are capped at 50 MiB by Supabase whatever the bucket says; larger ones
        // must be resumable.
        private static final long STANDARD_UPLOAD_CAP = 50L * 1024 * 1024;

        public Supabase {
            if (bucket != null && !bucket.matches("[A-Za-z0-9_.-]+")) {
                throw new IllegalArgumentException(
                        "fsb.storage.supabase.bucket must be letters, digits, '_', '-' or '.'");
            }
            if (resumableThreshold != null
                    && (resumableThreshold.toBytes() < 1
                            || resumableThreshold.toBytes() > STANDARD_UPLOAD_CAP)) {
                throw new IllegalArgumentException(
                        "fsb.storage.supabase.resumable-threshold must be between 1B and 50MB");
            }
            if (resumableChunkSize != null
                    && (resumableChunkSize.toBytes() < 4 * 1024
                            || resumableChunkSize.toBytes() > Integer.MAX_VALUE - 8)) {
                throw new IllegalArgumentException(
                        "fsb.storage.supabase.resumable-chunk-size must be between 4KB and 2GB");
            }
            if (bucketFileSizeLimit != null && bucketFileSizeLimit.isNegative()) {
                throw new IllegalArgumentException(
                        "fsb.storage.supabase.bucket-file-size-limit must not be negative");
            }
        }
    }
}
