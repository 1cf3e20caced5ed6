package dev.faissshard.shard;

import java.util.Locale;
import java.util.regex.Pattern;

import dev.faissshard.embedding.IndexType;

/**
 * Object keys of one index location, compatible with the original layout:
 * {@code [prefix/]progress.json}, {@code [prefix/]faiss/color_shard_001.faiss}, … Open-shard segments
 * live under {@code faiss/open/} so that a reader listing {@code faiss/} by name still sees only
 * sealed shards at the top level.
 */
public final class IndexLayout {

    private static final Pattern PREFIX = Pattern.compile("([A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]+");

    private final String prefix;

    private IndexLayout(String prefix) {
        this.prefix = prefix;
    }

    /** A layout under {@code prefix} ({@code ""} or null for the storage root). */
    public static IndexLayout at(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return new IndexLayout("");
        }
        String trimmed = prefix.strip().replaceAll("^/+|/+$", "");
        if (!PREFIX.matcher(trimmed).matches() || trimmed.contains("..")) {
            throw new IllegalArgumentException("prefix must be /-separated names of letters, digits, '_', '-' and '.'");
        }
        return new IndexLayout(trimmed + "/");
    }

    /** The prefix without its trailing slash, or "" at the root. */
    public String prefix() {
        return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    }

    public String progressKey() {
        return prefix + "progress.json";
    }

    public String manifestKey() {
        return prefix + "faiss/manifest.json";
    }

    public String shardKey(IndexType type, int shard) {
        return prefix + "faiss/" + shardName(type, shard) + ".faiss";
    }

    public String shardIdsKey(IndexType type, int shard) {
        return prefix + "faiss/" + shardName(type, shard) + ".ids.tsv";
    }

    public String openPrefix() {
        return prefix + "faiss/open/";
    }

    public String segmentKey(IndexType type, int shard, long batch) {
        return openPrefix() + segmentName(type, shard, batch) + ".faiss";
    }

    public String segmentIdsKey(IndexType type, int shard, long batch) {
        return openPrefix() + segmentName(type, shard, batch) + ".ids.tsv";
    }

    /** Key relative to this layout's prefix, as recorded in the manifest (readers resolve it beside it). */
    public String relative(String key) {
        return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
    }

    /** Absolute key for a key recorded relative to the prefix. */
    public String absolute(String relativeKey) {
        return prefix + relativeKey;
    }

    private static String shardName(IndexType type, int shard) {
        return String.format(Locale.ROOT, "%s_shard_%03d", type.key(), shard);
    }

    private static String segmentName(IndexType type, int shard, long batch) {
        return String.format(Locale.ROOT, "%s_shard_%03d_batch_%06d", type.key(), shard, batch);
    }
}
