package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.storage.StorageClient;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The failures of an index, kept out of {@code progress.json} so that the file rewritten after
 * every batch does not grow with them: each commit that changed failures appends one small object
 * {@code faiss/failures/log_<seq>.jsonl} holding only that batch's changes (an image failed, or a
 * failed image was since embedded), and {@code progress.json} names the objects.
 *
 * <p><b>Compaction with bounded writes.</b> A commit does at most one compaction step, and no step
 * writes more than {@value #MERGE_LIMIT_BYTES} bytes: merging the oldest run of commit logs (when a
 * shard was sealed, at a job's end, or after {@value #COMPACT_AFTER} logs), or else merging two
 * adjacent compacted objects of similar size (like a binary counter), or else writing one chunk
 * ({@link FailureChunkRecord}). An object of at least half the limit, and everything before it, is
 * settled: never merged again, and named {@value #RECORDS_PER_CHUNK} at a time by immutable chunk
 * objects, so {@code progress.json} names one chunk per that many settled objects plus a
 * logarithmic tail.
 *
 * <p><b>Failures are read lazily.</b> Every object's lines are sorted by catalogue id and its
 * record holds its id range, so {@link #get} reads only the objects whose range holds the id
 * (newest first, through a small cache): a job scanning a catalogue in order holds a few objects in
 * memory, not every failure. When the ranges overlap too much to help (ids in no particular order,
 * such as UUIDs), the log falls back to holding every failure in a map, as before.
 *
 * <p>The other readers of failures (the failure report and the dry run) read everything through
 * {@link #read}, which also reads a version-1 {@code progress.json}'s inline {@code failures} map
 * (migrated into the log by the first commit).
 *
 * <p>Not thread-safe: driven by the job's thread.
 */
public final class FailureLog {

    private static final Logger log = LoggerFactory.getLogger(FailureLog.class);

    /** Where the objects live, relative to the index prefix. */
    public static final String FOLDER = "faiss/failures/";

    /** Commit logs after which they are compacted even without a sealed shard. */
    static final int COMPACT_AFTER = 32;

    /** The most one compaction step writes; objects of half of it are settled. */
    static final long MERGE_LIMIT_BYTES = 40 * 1024;

    /** Settled records per chunk object. */
    static final int RECORDS_PER_CHUNK = 32;

    /** Sorted neighbours a record's range may reach into and still be looked up by position. */
    private static final int NARROW_WINDOW = 8;

    /** Records with wider ranges asked on every lookup before the log holds failures in a map. */
    private static final int MAX_WIDE = 48;

    /** Lines of objects kept in memory by the lazy lookup (about 4 MB at ~250 bytes a line). */
    static final int CACHE_LINES = 1 << 14;

    private static final String JSONL = "application/x-ndjson";

    private final IndexLayout layout;
    private final StorageClient storage;
    private final JsonMapper json;

    /** One line per entry, whatever indentation the given mapper writes. */
    private final ObjectWriter lineWriter;

    /** Changes since the last commit: a record, or null for a failure since cleared. */
    private final SortedMap<String, FailureRecord> changes = new TreeMap<>();

    /** Every record, oldest first; the first {@link #chunked} are named by {@link #chunks}. */
    private final List<FailureLogRecord> records;

    private final List<FailureChunkRecord> chunks;
    private int chunked;
    private long transientFailures;
    private boolean compactNext;

    /** Every failure, when the lazy lookup does not help (null while it does). */
    private SortedMap<String, FailureRecord> all;

    /** Objects read by the lazy lookup, least recently used first. */
    private final LinkedHashMap<String, Map<String, Line>> cache =
            new LinkedHashMap<>(16, 0.75f, true);

    private long cachedLines;
    private final int cacheLines;

    /**
     * The lines of objects this run wrote that a later compaction step may merge (not settled), by
     * file: held apart from the lookup cache and dropped once settled, so that what a build holds
     * is the log's short unsettled tail, however many failures it recorded. Caching every object
     * written instead filled the lookup cache as a build went on (live heap grew ~12 bytes per id
     * at 5% failures until the cache was full).
     */
    private final Map<String, Map<String, Line>> unsettled = new HashMap<>();

    /**
     * The one length of every id in an object, by file, for objects this run read whose record does
     * not say ({@link FailureLogRecord#idLength}, written since). Ranges compare ids as strings, so
     * "1002345" lies inside an object of ["100007", "104987"]: without the lengths, a scan of
     * 7-digit ids read every object of 6-digit ones again (1,214 reads of 386 objects to resume
     * 1.5M ids).
     */
    private final Map<String, Integer> idLengths = new HashMap<>();

    /** Lookup index over {@link #records}, rebuilt after they change (null until then). */
    private RangeIndexes ranges;

    private FailureLog(
            IndexLayout layout,
            StorageClient storage,
            JsonMapper json,
            Progress progress,
            int cacheLines) {
        this.layout = layout;
        this.cacheLines = cacheLines;
        this.storage = storage;
        this.json = json;
        this.lineWriter = json.writer().without(SerializationFeature.INDENT_OUTPUT);
        this.records = new ArrayList<>(progress.failureLog());
        this.chunks = new ArrayList<>(progress.failureChunks());
        this.chunked = chunks.stream().mapToInt(FailureChunkRecord::records).sum();
    }

    /**
     * Opens the log of an index for a run. A version-1 progress's inline failures are written to
     * the log (and compacted) by the first commit, after which {@code progress.json} carries none.
     * Records of objects written before ranges were recorded get theirs by reading the object once.
     */
    static FailureLog open(
            IndexLayout layout, StorageClient storage, Progress progress, JsonMapper json) {
        return open(layout, storage, progress, json, CACHE_LINES);
    }

    /** {@link #open}, holding at most about {@code cacheLines} lines of objects read lazily. */
    static FailureLog open(
            IndexLayout layout,
            StorageClient storage,
            Progress progress,
            JsonMapper json,
            int cacheLines) {
        FailureLog log = new FailureLog(layout, storage, json, progress, cacheLines);
        if (!progress.failures().isEmpty() || progress.transientFailures() == null) {
            // No count stored (an older file): count once from everything recorded.
            SortedMap<String, FailureRecord> every = read(layout, storage, progress, json);
            log.transientFailures =
                    every.values().stream().filter(f -> f.reason().isTransient()).count();
            if (!progress.failures().isEmpty()) {
                log.changes.putAll(every);
                log.compactNext = true;
            }
        } else {
            log.transientFailures = progress.transientFailures();
        }
        for (int i = 0; i < log.records.size(); i++) {
            FailureLogRecord record = log.records.get(i);
            if (!record.hasRange()) {
                List<Line> lines = lines(layout, storage, record, json);
                if (!lines.isEmpty()) {
                    log.records.set(
                            i,
                            record.withRange(
                                    lines.stream().map(Line::id).min(String::compareTo).get(),
                                    lines.stream().map(Line::id).max(String::compareTo).get()));
                }
            }
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

    /** Whether {@code key} is a failure-log chunk object of this index by its exact name. */
    public static boolean isChunkKey(IndexLayout layout, String key) {
        String folder = layout.absolute(FOLDER);
        return key.startsWith(folder)
                && key.substring(folder.length())
                        .matches("chunk_[0-9]{10}_[0-9]{10}_[0-9a-f]{12}\\.json");
    }

    /** Whether {@code key} is a list of failure-log chunks of this index by its exact name. */
    public static boolean isChunkListKey(IndexLayout layout, String key) {
        String folder = layout.absolute(FOLDER);
        return key.startsWith(folder)
                && key.substring(folder.length())
                        .matches("list[1-9]_[0-9]{10}_[0-9]{10}_[0-9a-f]{12}\\.json");
    }

    Optional<FailureRecord> get(String catalogId) {
        if (changes.containsKey(catalogId)) {
            return Optional.ofNullable(changes.get(catalogId));
        }
        if (all != null) {
            return Optional.ofNullable(all.get(catalogId));
        }
        if (ranges == null) {
            ranges = new RangeIndexes(records);
        }
        int[] candidates = ranges.candidates(catalogId);
        if (ranges.wide(catalogId) > MAX_WIDE) {
            log.info(
                    "Failure-log objects of {} overlap too much to be read by id range ({} span"
                            + " the others); holding every failure in memory",
                    layout.absolute(FOLDER),
                    ranges.wide(catalogId));
            all = new TreeMap<>();
            for (FailureLogRecord record : records) {
                apply(all, List.copyOf(load(record).values()));
            }
            cache.clear();
            cachedLines = 0;
            unsettled.clear();
            return Optional.ofNullable(all.get(catalogId));
        }
        for (int i = candidates.length - 1; i >= 0; i--) {
            FailureLogRecord record = records.get(candidates[i]);
            Integer length =
                    record.idLength() != null ? record.idLength() : idLengths.get(record.file());
            if (length != null && length != catalogId.length()) {
                continue;
            }
            Line line = load(record).get(catalogId);
            if (line != null) {
                return line.cleared() ? Optional.empty() : Optional.of(line.record());
            }
        }
        return Optional.empty();
    }

    /** Records that an image failed, counting the attempts across runs. */
    void fail(String catalogId, String url, FailureReason reason, String detail, Instant at) {
        FailureRecord previous = get(catalogId).orElse(null);
        int attempts = previous == null ? 1 : previous.attempts() + 1;
        FailureRecord record = new FailureRecord(url, reason, detail, attempts, at);
        count(previous, -1);
        count(record, 1);
        changes.put(catalogId, record);
        if (all != null) {
            all.put(catalogId, record);
        }
    }

    /** Forgets an earlier failure of an image now embedded. */
    void clear(String catalogId) {
        FailureRecord previous = get(catalogId).orElse(null);
        if (previous != null) {
            count(previous, -1);
            changes.put(catalogId, null);
            if (all != null) {
                all.remove(catalogId);
            }
        }
    }

    boolean hasTransient() {
        return transientFailures > 0;
    }

    /** Failures currently recorded that a later job would retry. */
    long transientFailures() {
        return transientFailures;
    }

    /** Lines of failure-log objects held in memory now (for the scale benchmark). */
    long linesInMemory() {
        if (all != null) {
            return all.size();
        }
        return cachedLines + linesHeldForMerges();
    }

    /** Lines held for later compaction steps: of the objects this run wrote and not settled. */
    long linesHeldForMerges() {
        return unsettled.values().stream().mapToLong(Map::size).sum();
    }

    /** Forgets the written objects that no compaction step merges any more. */
    private void dropSettled() {
        Set<String> tail = new HashSet<>();
        for (int i = settled(); i < records.size(); i++) {
            tail.add(records.get(i).file());
        }
        unsettled.keySet().retainAll(tail);
    }

    private void count(FailureRecord record, int delta) {
        if (record != null && record.reason().isTransient()) {
            transientFailures += delta;
        }
    }

    /**
     * What a commit wrote: every record (progress.json names those after the chunks), the chunk
     * objects naming the first of them, the transient-failure count, and the objects superseded.
     */
    record Written(
            List<FailureLogRecord> records,
            List<FailureChunkRecord> chunks,
            long transientFailures,
            List<String> obsoleteKeys) {}

    /**
     * Writes this commit's changes as one object and then at most one compaction step (see the
     * class comment); {@code compact} (a shard was sealed or the job ends) asks for the commit logs
     * to be merged. Objects are written under names no stored progress names yet (sequence numbers
     * only grow, chunks are named by their content), so a leftover of a killed run under the same
     * name is replaced.
     */
    Written commit(StorageClient storage, boolean compact, IndexEvents events) {
        List<String> obsolete = new ArrayList<>();
        if (!changes.isEmpty()) {
            long seq = lastSeq() + 1;
            List<Line> lines = new ArrayList<>(changes.size());
            changes.forEach((id, record) -> lines.add(Line.of(id, record)));
            records.add(write(storage, name("log_%010d", seq), seq, seq, lines, events));
            changes.clear();
            ranges = null;
        }
        if (compactStep(storage, compact || compactNext, obsolete, events)) {
            ranges = null;
        }
        dropSettled();
        return new Written(List.copyOf(records), List.copyOf(chunks), transientFailures, obsolete);
    }

    /** Does the first compaction step there is to do; false when there was none. */
    private boolean compactStep(
            StorageClient storage, boolean compact, List<String> obsolete, IndexEvents events) {
        int settled = settled();
        if (settled - chunked >= RECORDS_PER_CHUNK) {
            writeChunk(storage, events);
            return true;
        }
        int logs = 0;
        int firstLog = -1;
        for (int i = settled; i < records.size(); i++) {
            if (!isCompacted(records.get(i))) {
                logs++;
                firstLog = firstLog < 0 ? i : firstLog;
            }
        }
        if (logs > 0 && (compact || logs >= COMPACT_AFTER)) {
            // The oldest commit logs, as many as fit the limit (at least one), into one object.
            int to = firstLog + 1;
            long bytes = records.get(firstLog).bytes();
            while (to < records.size()
                    && !isCompacted(records.get(to))
                    && bytes + records.get(to).bytes() <= MERGE_LIMIT_BYTES) {
                bytes += records.get(to).bytes();
                to++;
            }
            merge(storage, firstLog, to, obsolete, events);
            compactNext = false;
            return true;
        }
        // Like a binary counter: the newest pair of adjacent compacted objects where the later is
        // at least half the earlier, so sizes halve along the tail.
        for (int i = records.size() - 2; i >= settled; i--) {
            FailureLogRecord earlier = records.get(i);
            FailureLogRecord later = records.get(i + 1);
            if (isCompacted(earlier)
                    && isCompacted(later)
                    && later.bytes() * 2 >= earlier.bytes()
                    && earlier.bytes() + later.bytes() <= MERGE_LIMIT_BYTES) {
                merge(storage, i, i + 2, obsolete, events);
                return true;
            }
        }
        return false;
    }

    /** Records before the end of the last one of at least half the merge limit: never merged. */
    private int settled() {
        for (int i = records.size() - 1; i >= chunked; i--) {
            if (records.get(i).bytes() * 2 >= MERGE_LIMIT_BYTES) {
                return i + 1;
            }
        }
        return chunked;
    }

    private void writeChunk(StorageClient storage, IndexEvents events) {
        List<FailureLogRecord> part =
                List.copyOf(records.subList(chunked, chunked + RECORDS_PER_CHUNK));
        byte[] data = lineWriter.writeValueAsBytes(part);
        String sha = Sha256.hex(data);
        String file =
                FOLDER
                        + String.format(
                                Locale.ROOT,
                                "chunk_%010d_%010d_%s.json",
                                part.get(0).firstSeq(),
                                part.get(part.size() - 1).lastSeq(),
                                sha.substring(0, 12));
        long start = System.nanoTime();
        storage.replace(layout.absolute(file), data, "application/json");
        events.uploaded("failures", data.length, System.nanoTime() - start);
        chunks.add(
                new FailureChunkRecord(
                        file,
                        part.get(0).firstSeq(),
                        part.get(part.size() - 1).lastSeq(),
                        part.size(),
                        data.length,
                        sha));
        chunked += part.size();
    }

    /** Replaces records {@code from..to} (exclusive) by one compacted object. */
    private void merge(
            StorageClient storage, int from, int to, List<String> obsolete, IndexEvents events) {
        List<FailureLogRecord> inputs = List.copyOf(records.subList(from, to));
        SortedMap<String, Line> merged = new TreeMap<>();
        for (FailureLogRecord input : inputs) {
            for (Line line : load(input).values()) {
                merged.put(line.id(), line);
            }
        }
        inputs.forEach(
                input -> {
                    uncache(input.file());
                    unsettled.remove(input.file());
                    idLengths.remove(input.file());
                });
        // A clear only matters while an older object may still hold the failure.
        if (from == 0) {
            merged.values().removeIf(Line::cleared);
        }
        long first = inputs.get(0).firstSeq();
        long last = inputs.get(inputs.size() - 1).lastSeq();
        FailureLogRecord written =
                write(
                        storage,
                        name("compacted_%010d_%010d", first, last),
                        first,
                        last,
                        List.copyOf(merged.values()),
                        events);
        records.subList(from, to).clear();
        records.add(from, written);
        for (FailureLogRecord input : inputs) {
            String key = layout.absolute(input.file());
            if (!key.equals(layout.absolute(written.file()))) {
                obsolete.add(key);
            }
        }
    }

    /**
     * Writes lines sorted by id (callers pass them so) and keeps them while a later step may merge
     * them.
     */
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
        FailureLogRecord record =
                new FailureLogRecord(
                        file,
                        first,
                        last,
                        lines.size(),
                        data.length,
                        Sha256.hex(data),
                        lines.isEmpty() ? null : lines.get(0).id(),
                        lines.isEmpty() ? null : lines.get(lines.size() - 1).id(),
                        idLength(lines));
        uncache(file);
        unsettled.remove(file);
        if (all == null && record.bytes() * 2 < MERGE_LIMIT_BYTES) {
            unsettled.put(file, byId(lines));
        }
        return record;
    }

    /** An object's lines by id, from memory or storage. */
    private Map<String, Line> load(FailureLogRecord record) {
        Map<String, Line> written = unsettled.get(record.file());
        if (written != null) {
            return written;
        }
        Map<String, Line> cached = cache.get(record.file());
        if (cached != null) {
            return cached;
        }
        List<Line> lines = lines(layout, storage, record, json);
        noteLengths(record.file(), lines);
        return cache(record.file(), lines);
    }

    private void noteLengths(String file, List<Line> lines) {
        Integer length = idLength(lines);
        if (length != null) {
            idLengths.put(file, length);
        }
    }

    /** The length of every id of the lines, when they all have one; else null. */
    private static Integer idLength(List<Line> lines) {
        if (lines.isEmpty()) {
            return null;
        }
        int length = lines.get(0).id().length();
        return lines.stream().allMatch(line -> line.id().length() == length) ? length : null;
    }

    private Map<String, Line> cache(String file, List<Line> lines) {
        Map<String, Line> byId = byId(lines);
        cache.put(file, byId);
        cachedLines += byId.size();
        var eldest = cache.entrySet().iterator();
        while (cachedLines > cacheLines && cache.size() > 1) {
            Map<String, Line> evicted = eldest.next().getValue();
            eldest.remove();
            cachedLines -= evicted.size();
        }
        return byId;
    }

    private static Map<String, Line> byId(List<Line> lines) {
        Map<String, Line> byId = new HashMap<>(lines.size() * 2);
        for (Line line : lines) {
            byId.put(line.id(), line);
        }
        return byId;
    }

    private void uncache(String file) {
        Map<String, Line> evicted = cache.remove(file);
        if (evicted != null) {
            cachedLines -= evicted.size();
        }
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

    /**
     * Which records may hold an id: a {@link RangeIndex} per id length over the records whose ids
     * all have that length (string order is numeric order among integers of one length, so the
     * ranges of integer ids read in order stay narrow there), and one over the others. Asked for an
     * id, only its length's and the others'.
     */
    private static final class RangeIndexes {

        private final Map<Integer, RangeIndex> byLength = new HashMap<>();
        private final RangeIndex others;

        RangeIndexes(List<FailureLogRecord> records) {
            Map<Integer, List<Integer>> groups = new HashMap<>();
            List<Integer> rest = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                Integer length = records.get(i).idLength();
                (length == null ? rest : groups.computeIfAbsent(length, l -> new ArrayList<>()))
                        .add(i);
            }
            groups.forEach(
                    (length, positions) ->
                            byLength.put(length, new RangeIndex(records, positions)));
            others = new RangeIndex(records, rest);
        }

        /** Records with wide ranges an id of this length is asked against. */
        int wide(String id) {
            RangeIndex own = byLength.get(id.length());
            return others.wide() + (own == null ? 0 : own.wide());
        }

        /** Positions of the records whose range holds the id, oldest first. */
        int[] candidates(String id) {
            RangeIndex own = byLength.get(id.length());
            int[] rest = others.candidates(id);
            if (own == null) {
                return rest;
            }
            int[] mine = own.candidates(id);
            if (rest.length == 0) {
                return mine;
            }
            int[] both = Arrays.copyOf(mine, mine.length + rest.length);
            System.arraycopy(rest, 0, both, mine.length, rest.length);
            Arrays.sort(both);
            return both;
        }
    }

    /**
     * Which records may hold an id. Records sorted by first id; one whose range ends before the
     * first id of its {@value #NARROW_WINDOW}th sorted successor is narrow, so only the window
     * before an id's sorted position can hold it; the others (wide) are asked every time.
     */
    private static final class RangeIndex {

        private final String[] firstIds;
        private final int[] narrow;
        private final int[] wide;
        private final List<FailureLogRecord> records;

        RangeIndex(List<FailureLogRecord> records, List<Integer> positions) {
            this.records = records;
            Integer[] order = positions.toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparing(i -> sortKey(records.get(i))));
            List<Integer> narrowList = new ArrayList<>();
            List<Integer> wideList = new ArrayList<>();
            for (int k = 0; k < order.length; k++) {
                FailureLogRecord record = records.get(order[k]);
                boolean isNarrow =
                        record.hasRange()
                                && (k + NARROW_WINDOW >= order.length
                                        || record.lastId()
                                                        .compareTo(
                                                                sortKey(
                                                                        records.get(
                                                                                order[
                                                                                        k
                                                                                                + NARROW_WINDOW])))
                                                < 0);
                (isNarrow ? narrowList : wideList).add(order[k]);
            }
            narrow = narrowList.stream().mapToInt(Integer::intValue).toArray();
            wide = wideList.stream().mapToInt(Integer::intValue).sorted().toArray();
            firstIds = new String[narrow.length];
            for (int k = 0; k < narrow.length; k++) {
                firstIds[k] = sortKey(records.get(narrow[k]));
            }
        }

        int wide() {
            return wide.length;
        }

        /** Positions of the records whose range holds the id, oldest first. */
        int[] candidates(String id) {
            int low = 0;
            int high = firstIds.length;
            while (low < high) {
                int mid = (low + high) >>> 1;
                if (firstIds[mid].compareTo(id) <= 0) {
                    low = mid + 1;
                } else {
                    high = mid;
                }
            }
            int[] out = new int[wide.length + NARROW_WINDOW];
            int count = 0;
            for (int k = Math.max(0, low - NARROW_WINDOW); k < low; k++) {
                if (records.get(narrow[k]).mayHold(id)) {
                    out[count++] = narrow[k];
                }
            }
            for (int position : wide) {
                if (records.get(position).mayHold(id)) {
                    out[count++] = position;
                }
            }
            int[] found = Arrays.copyOf(out, count);
            Arrays.sort(found);
            return found;
        }

        private static String sortKey(FailureLogRecord record) {
            return record.hasRange() ? record.firstId() : "";
        }
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
