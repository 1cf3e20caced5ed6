package dev.faissshard.index;

import dev.faissshard.embedding.IndexType;
import java.util.Locale;

/**
 * Object keys of one index location, compatible with the original layout: {@code
 * [prefix/]progress.json}, {@code [prefix/]faiss/color_shard_001.faiss}, … Open-shard segments live
 * under {@code faiss/open/} so that a reader listing {@code faiss/} by name still sees only sealed
 * shards at the top level.
 */
public final class IndexLayout {

    /** Suffix of the fingerprint file beside a shard or segment. */
    private static final String URLS = ".urls.bin";

    private final String prefix;

    private IndexLayout(String prefix) {
        this.prefix = prefix;
    }

    /**
     * A layout under {@code prefix} ({@code ""} or null for the storage root), which must follow
     * {@link IndexPrefix}'s rules; its last segment may be a partition's folder.
     */
    public static IndexLayout at(String prefix) {
        if (prefix == null || prefix.isBlank()) {
            return new IndexLayout("");
        }
        if (prefix.length() > IndexPrefix.MAX_LENGTH + IndexPrefix.PARTITION_ROOM + 2) {
            throw new InvalidPrefixException(
                    "must be at most " + IndexPrefix.MAX_LENGTH + " characters");
        }
        String trimmed = stripSlashes(prefix.strip());
        IndexPrefix.layoutViolation(trimmed)
                .ifPresent(
                        reason -> {
                            throw new InvalidPrefixException(reason);
                        });
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

    /** The shard's ids in compact form ({@link DoneBitmap}), beside its id file. */
    public String shardDoneKey(IndexType type, int shard) {
        return prefix + "faiss/" + shardName(type, shard) + ".done.bin";
    }

    /** The fingerprints of a sealed shard's rows ({@link FingerprintFile}). */
    public String shardUrlsKey(IndexType type, int shard) {
        return prefix + "faiss/" + shardName(type, shard) + URLS;
    }

    /** The trained, empty index every shard of a trained factory's type starts from. */
    public String trainedKey(IndexType type) {
        return prefix + "faiss/" + type.key() + "_trained.faiss";
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

    /** The fingerprints of a segment's rows ({@link FingerprintFile}). */
    public String segmentUrlsKey(IndexType type, int shard, long batch) {
        return openPrefix() + segmentName(type, shard, batch) + URLS;
    }

    /**
     * Key relative to this layout's prefix, as recorded in the manifest (readers resolve it beside
     * it).
     */
    public String relative(String key) {
        return key.startsWith(prefix) ? key.substring(prefix.length()) : key;
    }

    /** Absolute key for a key recorded relative to the prefix. */
    public String absolute(String relativeKey) {
        return prefix + relativeKey;
    }

    /**
     * Whether {@code key} is an open-shard segment or segment id file of this index by its exact
     * name: directly under {@link #openPrefix()}, never deeper, where another index may live (one
     * made at a prefix inside this one's {@code faiss/open/} before such prefixes were refused).
     */
    public boolean isSegmentKey(String key) {
        if (!key.startsWith(openPrefix())) {
            return false;
        }
        String name = key.substring(openPrefix().length());
        String base = baseName(name);
        if (base == null) {
            return false;
        }
        for (IndexType type : IndexType.values()) {
            String head = type.key() + "_shard_";
            if (base.startsWith(head)) {
                int batch = base.indexOf("_batch_", head.length());
                return batch >= head.length() + 3
                        && digits(base, head.length(), batch)
                        && base.length() - (batch + 7) >= 6
                        && digits(base, batch + 7, base.length());
            }
        }
        return false;
    }

    /**
     * Whether {@code key} is a sealed shard, shard id file or done bitmap of this index by its
     * exact name, directly under {@code faiss/}.
     */
    public boolean isShardKey(String key) {
        String folder = prefix + "faiss/";
        if (!key.startsWith(folder)) {
            return false;
        }
        String name = key.substring(folder.length());
        String base = baseName(name);
        if (base == null) {
            return false;
        }
        for (IndexType type : IndexType.values()) {
            String head = type.key() + "_shard_";
            if (base.startsWith(head)) {
                return base.length() - head.length() >= 3
                        && digits(base, head.length(), base.length());
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IndexLayout layout && layout.prefix.equals(prefix);
    }

    @Override
    public int hashCode() {
        return prefix.hashCode();
    }

    /** The name without its object suffix, or null when it has none of this index's. */
    private static String baseName(String name) {
        for (String suffix : new String[] {".ids.tsv", ".done.bin", URLS, ".faiss"}) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return null;
    }

    private static boolean digits(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String stripSlashes(String prefix) {
        int from = 0;
        int to = prefix.length();
        while (from < to && prefix.charAt(from) == '/') {
            from++;
        }
        while (to > from && prefix.charAt(to - 1) == '/') {
            to--;
        }
        return prefix.substring(from, to);
    }

    private static String shardName(IndexType type, int shard) {
        return String.format(Locale.ROOT, "%s_shard_%03d", type.key(), shard);
    }

    private static String segmentName(IndexType type, int shard, long batch) {
        return String.format(Locale.ROOT, "%s_shard_%03d_batch_%06d", type.key(), shard, batch);
    }
}
