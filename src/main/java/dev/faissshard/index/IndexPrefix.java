package dev.faissshard.index;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The rules an index prefix must follow, checked in one pass over its characters: a request's
 * prefix is hostile, and a backtracking regular expression over it once cost a stack overflow (8 KB
 * of {@code a/}) and seconds of CPU (10 MB).
 *
 * <p>Besides the character rules, a prefix must not put an index inside another index's reserved
 * names: a segment {@code faiss} would land inside the {@code faiss/} (or {@code faiss/open/})
 * folder of the index one level up, whose clean-up and readers treat that folder as theirs, and a
 * segment {@code progress.json} would make an index's progress both an object and a folder.
 * Partition names ({@code part-<i>-of-<n>}) belong to partitioned builds: a request names its
 * partition, never the partition's folder.
 */
public final class IndexPrefix {

    /** Longest prefix accepted, in characters. */
    public static final int MAX_LENGTH = 512;

    /** Longest segment accepted: object stores and file systems refuse longer names. */
    public static final int MAX_SEGMENT_LENGTH = 255;

    /**
     * Room for the {@code /part-<i>-of-<n>} a partition appends to a prefix of the longest length.
     */
    static final int PARTITION_ROOM = "/part-4095-of-4096".length();

    private static final Set<String> RESERVED = Set.of("faiss", "progress.json");

    private IndexPrefix() {}

    /**
     * Why a prefix named in a request is refused, or empty when it may be used. {@code null} and
     * {@code ""} mean the storage root; one trailing {@code /} is tolerated. The reason never
     * quotes the prefix.
     */
    public static Optional<String> violation(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            return Optional.empty();
        }
        if (prefix.length() > MAX_LENGTH + 1) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters");
        }
        String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return check(body, false);
    }

    /**
     * Checks a prefix without leading or trailing slashes as a layout uses it: like {@link
     * #violation}, except that the last segment may be a partition's own folder, which {@code
     * Partition} appends.
     */
    static Optional<String> layoutViolation(String prefix) {
        return check(prefix, true);
    }

    private static Optional<String> check(String prefix, boolean partitionLast) {
        if (prefix.length() > MAX_LENGTH + (partitionLast ? PARTITION_ROOM : 0)) {
            return Optional.of("must be at most " + MAX_LENGTH + " characters");
        }
        int start = 0;
        for (int i = 0; i <= prefix.length(); i++) {
            if (i < prefix.length() && prefix.charAt(i) != '/') {
                if (!allowed(prefix.charAt(i))) {
                    return Optional.of("may only contain letters, digits, '_', '-', '.' and '/'");
                }
                continue;
            }
            Optional<String> problem =
                    segment(prefix.substring(start, i), partitionLast && i == prefix.length());
            if (problem.isPresent()) {
                return problem;
            }
            start = i + 1;
        }
        return Optional.empty();
    }

    private static Optional<String> segment(String segment, boolean mayBePartition) {
        if (segment.isEmpty()) {
            return Optional.of("must not have empty segments (leading, doubled or trailing '/')");
        }
        if (segment.length() > MAX_SEGMENT_LENGTH) {
            return Optional.of("segments must be at most " + MAX_SEGMENT_LENGTH + " characters");
        }
        if (segment.equals(".") || segment.contains("..")) {
            return Optional.of("must not have '.' or '..' segments");
        }
        if (RESERVED.contains(segment.toLowerCase(Locale.ROOT))) {
            return Optional.of(
                    "must not have a segment named 'faiss' or 'progress.json': those names belong to an index");
        }
        if (!mayBePartition && isPartitionName(segment)) {
            return Optional.of(
                    "must not name a partition's folder (part-<i>-of-<n>); request the partition instead");
        }
        return Optional.empty();
    }

    /** Whether a name has the form {@code part-<digits>-of-<digits>}. */
    static boolean isPartitionName(String segment) {
        if (!segment.startsWith("part-")) {
            return false;
        }
        int of = segment.indexOf("-of-", 5);
        return of > 5
                && digits(segment, 5, of)
                && of + 4 < segment.length()
                && digits(segment, of + 4, segment.length());
    }

    private static boolean digits(String text, int from, int to) {
        for (int i = from; i < to; i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean allowed(char c) {
        return c >= 'a' && c <= 'z'
                || c >= 'A' && c <= 'Z'
                || c >= '0' && c <= '9'
                || c == '_'
                || c == '-'
                || c == '.';
    }
}
