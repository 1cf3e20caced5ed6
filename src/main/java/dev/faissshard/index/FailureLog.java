package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.storage.StorageClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The failures of an index, kept out of {@code progress.json} so that the file rewritten after
 * every batch does not grow with them: each commit that changed failures appends one small object
 * {@code faiss/failures/log_<seq>.jsonl} holding only that batch's changes (an image failed, or a
 * failed image was since embedded), and {@code progress.json} names the objects. A compaction (when
 * a shard is sealed, at a job's end, or after {@value #COMPACT_AFTER} commit logs) merges the
 * commit logs into one {@code compacted_<first>_<last>.jsonl}, and merges compacted objects of
 * similar size with each other, so the number of objects stays logarithmic in the number of
 * failures and each failure is rewritten a logarithmic number of times.
 *
 * <p>The one reader of failures: the job's retry logic ({@link OpenIndex#failure}), the failure
 * report and the dry run all read through {@link #read}, which also reads a version-1 {@code
 * progress.json}'s inline {@code failures} map (migrated into the log by the first commit).
 *
 * <p>Not thread-safe: driven by the job's thread.
 */
public final class FailureLog {

    /** Where the objects live, relative to the index prefix. */
    public static final String FOLDER = "faiss/failures/";

    /** Commit logs after which they are compacted even without a sealed shard. */
    static final int COMPACT_AFTER = 32;

    private static final String JSONL = "application/x-ndjson";

    private final IndexLayout layout;
    private final JsonMapper json;

    /** One line per entry, whatever indentation the given mapper writes. */
    private final ObjectWriter lineWriter;

    private final SortedMap<String, FailureRecord> failures;

    /** Changes since the last commit: a record, or null for a failure since cleared. */
    private final SortedMap<String, FailureRecord> changes = new TreeMap<>();

    private List<FailureLogRecord> records;
    private boolean compactNext;

    private FailureLog(
            IndexLayout layout,
            JsonMapper json,
            SortedMap<String, FailureRecord> failures,
            List<FailureLogRecord> records) {
        this.layout = layout;
        this.json = json;
        this.lineWriter = json.writer().without(SerializationFeature.INDENT_OUTPUT);
        this.failures = failures;
        this.records = new ArrayList<>(records);
    }

    /**
     * Opens the log of an index for a run. A version-1 progress's inline failures are written to
     * the log (and compacted) by the first commit, after which {@code progress.json} carries none.
     */
    static FailureLog open(
            IndexLayout layout, StorageClient storage, Progress progress, JsonMapper json) {
        FailureLog log =
                new FailureLog(
                        layout, json, read(layout, storage, progress, json), progress.failureLog());
        if (!progress.failures().isEmpty()) {
            log.changes.putAll(log.failures);
            log.compactNext = true;
        }
        return log;
    }

    /**
     * Every failure recorded for the index {@code progress} describes, by catalogue id: the inline
     * map of a version-1 file, then each named object in order, later lines winning.
     *
     * @throws FailureLogUnavailableException when a named object is missing (a concurrent
     *     compaction removed it: read the progress again) or does not match its checksum
     */
    public static SortedMap<String, FailureRecord> read(
            IndexLayout layout, StorageClient storage, Progress progress, JsonMapper json) {
        SortedMap<String, FailureRecord> failures = new TreeMap<>(progress.failures());
        for (FailureLogRecord record : progress.failureLog()) {
            apply(failures, lines(layout, storage, record, json));
        }
        return failures;
    }

    /** Whether {@code key} is a failure-log object of this index by its exact name. */
    public static boolean isLogKey(IndexLayout layout, String key) {
        String folder = layout.absolute(FOLDER);
        if (!key.startsWith(folder) || !key.endsWith(".jsonl")) {
            return false;
        }
        String name = key.substring(folder.length(), key.length() - ".jsonl".length());
        return name.matches("log_[0-9]{10}") || name.matches("compacted_[0-9]{10}_[0-9]{10}");
    }

    Optional<FailureRecord> get(String catalogId) {
        return Optional.ofNullable(failures.get(catalogId));
    }

    /** Records that an image failed, counting the attempts across runs. */
    void fail(String catalogId, String url, FailureReason reason, String detail, Instant at) {
        FailureRecord previous = failures.get(catalogId);
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        FailureRecord record = new FailureRecord(url, reason, detail, attempts, at);
        failures.put(catalogId, record);
        changes.put(catalogId, record);
    }

    /** Forgets an earlier failure of an image now embedded. */
    void clear(String catalogId) {
        if (failures.remove(catalogId) != null) {
            changes.put(catalogId, null);
        }
    }

    boolean hasTransient() {
        return failures.values().stream().anyMatch(failure -> failure.reason().isTransient());
    }

    /** Failures currently recorded. */
    int size() {
        return failures.size();
    }

    /** What a commit wrote: the records progress.json now names and the objects it superseded. */
    record Written(List<FailureLogRecord> records, List<String> obsoleteKeys) {}

    /**
     * Writes this commit's changes as one object and, when {@code compact} (a shard was sealed or
     * the job ends) or the commit logs pile up, compacts; returns what {@code progress.json} must
     * name from now on, and the keys to delete once it does. Objects are written under names no
     * stored progress names yet (sequence numbers only grow), so a leftover of a killed run under
     * the same name is replaced.
     */
    Written commit(StorageClient storage, boolean compact, IndexEvents events) {
        List<String> obsolete = new ArrayList<>();
        if (!changes.isEmpty()) {
            long seq = lastSeq() + 1;
            List<Line> lines = new ArrayList<>(changes.size());
            changes.forEach((id, record) -> lines.add(Line.of(id, record)));
            records.add(write(storage, name("log_%010d", seq), seq, seq, lines, events));
            changes.clear();
        }
        long uncompacted = records.stream().filter(record -> !isCompacted(record)).count();
        if ((compact || compactNext || uncompacted >= COMPACT_AFTER) && uncompacted > 0) {
            compactTail(storage, obsolete, events);
            compactNext = false;
        }
        return new Written(List.copyOf(records), obsolete);
    }

    /** Merges the commit logs after the last compacted object, then compacted objects by size. */
    private void compactTail(StorageClient storage, List<String> obsolete, IndexEvents events) {
        int from = records.size();
        while (from > 0 && !isCompacted(records.get(from - 1))) {
            from--;
        }
        merge(storage, from, obsolete, events);
        // Like a binary counter: a compacted object is merged into the one before it while it is
        // at least half that one's size, so sizes halve along the list.
        while (records.size() >= 2
                && records.get(records.size() - 1).entries() * 2
                        >= records.get(records.size() - 2).entries()) {
            merge(storage, records.size() - 2, obsolete, events);
        }
    }

    /** Replaces records {@code from..end} by one compacted object. */
    private void merge(StorageClient storage, int from, List<String> obsolete, IndexEvents events) {
        List<FailureLogRecord> inputs = List.copyOf(records.subList(from, records.size()));
        SortedMap<String, FailureRecord> merged = new TreeMap<>();
        SortedMap<String, Boolean> cleared = new TreeMap<>();
        for (FailureLogRecord input : inputs) {
            for (Line line : lines(layout, storage, input, json)) {
                if (line.cleared()) {
                    merged.remove(line.id());
                    cleared.put(line.id(), true);
                } else {
                    merged.put(line.id(), line.record());
                    cleared.remove(line.id());
                }
            }
        }
        // A clear only matters while an older object may still hold the failure.
        boolean oldest = from == 0;
        List<Line> lines = new ArrayList<>(merged.size() + (oldest ? 0 : cleared.size()));
        SortedMap<String, Line> ordered = new TreeMap<>();
        merged.forEach((id, record) -> ordered.put(id, Line.of(id, record)));
        if (!oldest) {
            cleared.keySet().forEach(id -> ordered.put(id, Line.of(id, null)));
        }
        lines.addAll(ordered.values());
        long first = inputs.get(0).firstSeq();
        long last = inputs.get(inputs.size() - 1).lastSeq();
        FailureLogRecord written =
                write(
                        storage,
                        name("compacted_%010d_%010d", first, last),
                        first,
                        last,
                        lines,
                        events);
        records.subList(from, records.size()).clear();
        records.add(written);
        for (FailureLogRecord input : inputs) {
            String key = layout.absolute(input.file());
            if (!key.equals(layout.absolute(written.file()))) {
                obsolete.add(key);
            }
        }
    }

    private FailureLogRecord write(
            StorageClient storage,
            String file,
            long first,
            long last,
            List<Line> lines,
            IndexEvents events) {
        StringBuilder out = new StringBuilder(lines.size() * 160);
        for (Line line : lines) {
            out.append(lineWriter.writeValueAsString(line)).append('\n');
        }
        byte[] data = out.toString().getBytes(StandardCharsets.UTF_8);
        long start = System.nanoTime();
        storage.replace(layout.absolute(file), data, JSONL);
        events.uploaded("failures", data.length, System.nanoTime() - start);
        return new FailureLogRecord(file, first, last, lines.size(), data.length, Sha256.hex(data));
    }

    private long lastSeq() {
        return records.isEmpty() ? 0 : records.get(records.size() - 1).lastSeq();
    }

    private static boolean isCompacted(FailureLogRecord record) {
        return record.file().startsWith(FOLDER + "compacted_");
    }

    private static String name(String pattern, Object... seqs) {
        return FOLDER + String.format(Locale.ROOT, pattern, seqs) + ".jsonl";
    }

    private static void apply(SortedMap<String, FailureRecord> failures, List<Line> lines) {
        for (Line line : lines) {
            if (line.cleared()) {
                failures.remove(line.id());
            } else {
                failures.put(line.id(), line.record());
            }
        }
    }

    private static List<Line> lines(
            IndexLayout layout, StorageClient storage, FailureLogRecord record, JsonMapper json) {
        String key = layout.absolute(record.file());
        if (!isLogKey(layout, key)) {
            throw new FailureLogUnavailableException(
                    record.file() + " named by progress.json is not a failure-log object");
        }
        byte[] data =
                storage.find(key)
                        .orElseThrow(
                                () ->
                                        new FailureLogUnavailableException(
                                                key + " named by progress.json is missing"));
        if (!Sha256.hex(data).equals(record.sha256())) {
            throw new FailureLogUnavailableException(
                    key + " does not match the checksum recorded in progress.json");
        }
        List<Line> lines = new ArrayList<>((int) Math.min(record.entries(), 1 << 20));
        String text = new String(data, StandardCharsets.UTF_8);
        int start = 0;
        while (start < text.length()) {
            int end = text.indexOf('\n', start);
            if (end < 0) {
                end = text.length();
            }
            if (end > start) {
                try {
                    lines.add(json.readValue(text.substring(start, end), Line.class));
                } catch (JacksonException ex) {
                    throw new FailureLogUnavailableException(
                            key + " is not valid failure-log JSON: " + ex.getOriginalMessage());
                }
            }
            start = end + 1;
        }
        return lines;
    }

    /**
     * One line of a log object: a failure, or ({@code cleared}) the end of one.
     *
     * @param id catalogue id
     * @param url the URL that failed
     * @param reason why
     * @param detail status code, limit, decoder message…
     * @param attempts how many jobs tried it
     * @param lastAttempt when the last try failed
     * @param cleared the image was since embedded: forget its failure
     */
    record Line(
            String id,
            String url,
            FailureReason reason,
            String detail,
            int attempts,
            Instant lastAttempt,
            boolean cleared) {

        static Line of(String id, FailureRecord record) {
            return record == null
                    ? new Line(id, null, null, null, 0, null, true)
                    : new Line(
                            id,
                            record.url(),
                            record.reason(),
                            record.detail(),
                            record.attempts(),
                            record.lastAttempt(),
                            false);
        }

        FailureRecord record() {
            return new FailureRecord(url, reason, detail, attempts, lastAttempt);
        }
    }
}
