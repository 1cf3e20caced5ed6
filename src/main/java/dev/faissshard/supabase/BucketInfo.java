package dev.faissshard.supabase;

import java.util.OptionalLong;

/**
 * What {@code GET /bucket/<id>} tells about a bucket.
 *
 * @param name the bucket id
 * @param publicBucket whether objects are readable without a key
 * @param fileSizeLimit the largest object the bucket takes; empty when unset (or 0, which Supabase
 *     treats as no bucket limit for resumable uploads)
 */
public record BucketInfo(String name, boolean publicBucket, OptionalLong fileSizeLimit) {}
