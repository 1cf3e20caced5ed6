package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.shard.AutoFactory;
import dev.faissshard.shard.RecallSample;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.VectorIndex;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiPredicate;

/**
 * One index type of an {@link OpenIndex}: its shard writer, the ids it already holds, the catalogue
 * ids of its open shard, and the state to record in {@code progress.json}. Turns what the writer
 * produced into object keys, records and pending uploads. Not thread-safe.
 */
final class OpenTypeIndex implements AutoCloseable {

    private static final org.slf4j.Logger log =
            org.slf4j.LoggerFactory.getLogger(OpenTypeIndex.class);

    private static final String FAISS_TYPE = "application/octet-stream";
    private static final String TSV_TYPE = "text/tab-separated-values";
    private static final String BINARY_TYPE = "application/octet-stream";

    private final IndexType type;
    private final IndexLayout layout;
    private final DoneIds indexedIds;
    private final Clock clock;
    private final ShardWriterFactory writers;

    /** Exact vectors of this run, to measure a trained index's recall at the end. */
    private final RecallSample recallSample;

    /**
     * Whether this index can have a trained index to measure. A flat one never has, and its sample
     * (up to 16 MB of heap per type) only filled the 128 MB heap: a 30,000-image build of the three
     * flat types ran out of it at 10,000 images.
     */
    private final boolean sampling;

    /** Dead vectors of the open shard's segments, left out when they are restored. */
    private final Tombstones segmentTombstones;

    /**
     * Ids whose every stored vector is dead (deleted, not stored again since): not held, so a build
     * that meets the row again adds it again.
     */
    private final Set<Long> deleted;

    /** Rows of the open shard in index order: the id file of the shard once sealed. */
    private final List<IdFile.Entry> openEntries = new ArrayList<>();

    /** The fingerprints of {@link #openEntries}, row for row. */
    private long[] openPrints = new long[64];

    private int openPrintCount;

    /** The fingerprints of the open shard's rows by id, for the check of a changed row. */
    private final FingerprintTable openPrintById = new FingerprintTable();

    /**
     * Where the rows of each open segment this process restored or wrote are in the open shard (by
     * segment file): a tail merge copies them from there instead of reading the segment back.
     * Segments of a tail merge are not here: the open shard still holds their parts' dead rows.
     */
    private final Map<String, HeldRows> heldRows = new HashMap<>();

    /** The sealed shards' fingerprints, read as asked about; null: not kept (maintenance). */
    private final SealedFingerprints sealedPrints;

    private ShardWriter writer;
    private IndexProgress state;

    OpenTypeIndex(
            IndexType type,
            IndexLayout layout,
            ShardWriter writer,
            DoneIds indexedIds,
            IndexProgress state,
            Clock clock,
            ShardWriterFactory writers,
            Tombstones segmentTombstones,
            Set<Long> deleted,
            SealedFingerprints sealedPrints) {
        this.sealedPrints = sealedPrints;
        this.writers = writers;
        this.recallSample = new RecallSample(state.model().dimension());
        this.sampling = state.trained() != null || writers.needsTraining(state.model().dimension());
        this.type = type;
        this.layout = layout;
        this.writer = writer;
        this.indexedIds = indexedIds;
        this.state = state;
        this.clock = clock;
        this.segmentTombstones = segmentTombstones;
        this.deleted = new HashSet<>(deleted);
    }

    IndexType type() {
        return type;
    }

    IndexProgress state() {
        return state;
    }

    long openVectors() {
        return writer.openVectors();
    }

    /**
     * Whether this index already holds the id (in a sealed shard, a flushed segment or this batch).
     */
    boolean contains(long faissId) {
        return indexedIds.contains(faissId) && !deleted.contains(faissId);
    }

    /**
     * Carries a flushed segment back into the open shard, leaving out its dead vectors, so that the
     * shard sealed from it no longer holds them.
     */
    void restoreSegment(
            String file,
            VectorIndex.Exported segment,
            List<IdFile.Entry> entries,
            long[] fingerprints) {
        if (fingerprints == null) {
            fingerprints = new long[entries.size()];
        }
        if (segmentTombstones.count(file) > 0) {
            Live live = live(file, segment, entries, fingerprints, segmentTombstones);
            segment = live.rows();
            entries = live.entries();
            fingerprints = live.fingerprints();
        }
        heldRows.put(file, new HeldRows(openEntries.size(), entries.size()));
        rememberPrints(entries, fingerprints, 0, entries.size());
        if (segment.count() > 0) {
            writer.restore(segment);
        }
        if (sampling) {
            recallSample.offer(segment.vectors(), segment.ids());
        }
        openEntries.addAll(entries);
        for (long id : segment.ids()) {
            indexedIds.restore(id);
        }
    }

    /**
     * The fingerprint stored with the live vector of the id: in the open shard, or else in a sealed
     * shard whose vector of it {@code dead} does not name; {@link RowFingerprint#UNKNOWN} when none
     * was stored (rows stored before fingerprints were kept).
     */
    long fingerprint(long faissId, BiPredicate<String, Long> dead) {
        long open = openPrintById.get(faissId);
        if (open != RowFingerprint.UNKNOWN || sealedPrints == null) {
            return open;
        }
        return sealedPrints.fingerprint(state.sealedShards(), faissId, dead);
    }

    /**
     * The files (sealed shards and open segments) holding a vector of the id that {@code dead} does
     * not name, read from their id files: where an update's old vector is.
     */
    List<String> liveFiles(
            long faissId, String catalogId, BiPredicate<String, Long> dead, StorageReader read) {
        List<String> files = new ArrayList<>();
        List<String[]> candidates = new ArrayList<>();
        for (ShardRecord shard : state.sealedShards()) {
            if (shard.minId() <= faissId && faissId <= shard.maxId()) {
                candidates.add(new String[] {shard.file(), shard.idsFile()});
            }
        }
        for (SegmentRecord segment : state.openSegments()) {
            if (segment.minId() <= faissId && faissId <= segment.maxId()) {
                candidates.add(new String[] {segment.file(), segment.idsFile()});
            }
        }
        for (String[] candidate : candidates) {
            if (dead.test(candidate[0], faissId)) {
                continue;
            }
            for (IdFile.Entry entry : IdFile.read(read.get(candidate[1]))) {
                if (entry.faissId() == faissId && entry.catalogId().equals(catalogId)) {
                    files.add(candidate[0]);
                    break;
                }
            }
        }
        return files;
    }

    /** Whether the file is one of the open shard's segments. */
    boolean isOpenSegment(String file) {
        return state.openSegments().stream().anyMatch(segment -> segment.file().equals(file));
    }

    /** Reads an object by its key relative to the index prefix. */
    @FunctionalInterface
    interface StorageReader {
        byte[] get(String relativeKey);
    }

    /** Records that the id's vectors are all dead (a delete): no longer held. */
    void deleted(long faissId) {
        deleted.add(faissId);
    }

    /** The rows of an exported file that are not dead in it. */
    static Live live(
            String file,
            VectorIndex.Exported rows,
            List<IdFile.Entry> entries,
            Tombstones tombstones) {
        return live(file, rows, entries, new long[entries.size()], tombstones);
    }

    /**
     * The rows of an exported file that are not dead in it, with their fingerprints ({@code
     * fingerprints} row for row with {@code entries}).
     */
    static Live live(
            String file,
            VectorIndex.Exported rows,
            List<IdFile.Entry> entries,
            long[] fingerprints,
            Tombstones tombstones) {
        int dimension = rows.dimension();
        long[] ids = rows.ids();
        float[] vectors = rows.vectors();
        if (entries.size() != ids.length) {
            throw new IllegalStateException(
                    file + " holds " + ids.length + " vectors but its id file " + entries.size());
        }
        int kept = 0;
        long[] keptIds = new long[ids.length];
        float[] keptVectors = new float[vectors.length];
        List<IdFile.Entry> keptEntries = new ArrayList<>(ids.length);
        long[] keptPrints = new long[ids.length];
        for (int row = 0; row < ids.length; row++) {
            if (entries.get(row).faissId() != ids[row]) {
                throw new IllegalStateException(file + " and its id file disagree at row " + row);
            }
            if (tombstones.isDead(file, ids[row])) {
                continue;
            }
            keptIds[kept] = ids[row];
            System.arraycopy(vectors, row * dimension, keptVectors, kept * dimension, dimension);
            keptEntries.add(entries.get(row));
            keptPrints[kept] = fingerprints[row];
            kept++;
        }
        return new Live(
                new Rows(
                        dimension,
                        Arrays.copyOf(keptVectors, kept * dimension),
                        Arrays.copyOf(keptIds, kept)),
                keptEntries,
                Arrays.copyOf(keptPrints, kept));
    }

    /**
     * Adds the rows of an open segment that {@code dead} does not name, in their order, to {@code
     * into} (an exact index), copied from the open shard where this process holds them as they were
     * stored; returns their id file entries and fingerprints, or empty (nothing added) when the
     * open shard does not hold the segment's rows exactly: a segment this process neither restored
     * nor wrote, or a trained or graph index in the open shard.
     *
     * <p>The open shard holds a restored segment's rows without the ones dead when it was restored;
     * tombstones are only ever added to a file that stays, so those are dead in {@code dead} too,
     * and the rows copied are the ones a read of the stored segment would keep.
     */
    Optional<Copied> copyLiveRows(String file, Tombstones dead, VectorIndex into) {
        HeldRows held = heldRows.get(file);
        if (held == null || !writer.holdsExactRows()) {
            return Optional.empty();
        }
        List<IdFile.Entry> entries = new ArrayList<>(held.count());
        long[] prints = new long[held.count()];
        int from = held.start();
        int end = held.start() + held.count();
        int runStart = from;
        for (int row = from; row < end; row++) {
            IdFile.Entry entry = openEntries.get(row);
            if (dead.isDead(file, entry.faissId())) {
                writer.copyOpenRows(into, runStart, row);
                runStart = row + 1;
                continue;
            }
            prints[entries.size()] = openPrints[row];
            entries.add(entry);
        }
        writer.copyOpenRows(into, runStart, end);
        return Optional.of(new Copied(entries, Arrays.copyOf(prints, entries.size())));
    }

    /** The id file entries and fingerprints of rows {@link #copyLiveRows} copied, in order. */
    record Copied(List<IdFile.Entry> entries, long[] fingerprints) {}

    /** Rows {@code [start, start + count)} of the open shard. */
    private record HeldRows(int start, int count) {}

    /** What is left of a file without its dead vectors, with the fingerprints of its rows. */
    record Live(VectorIndex.Exported rows, List<IdFile.Entry> entries, long[] fingerprints) {}

    /** Vectors and ids, row-major. */
    record Rows(int dimension, float[] vectors, long[] ids) implements VectorIndex.Exported {}

    /**
     * Takes the state a compaction produced: its shards are stored; when it rewrote the open tail
     * too, the open shard is empty and starts afresh in {@code next}, a new writer (null: the open
     * shard was left as it is).
     */
    void compacted(IndexProgress compacted, ShardWriter next) {
        if (next != null) {
            writer.close();
            writer = next;
            heldRows.clear();
            openEntries.clear();
            openPrintCount = 0;
            openPrintById.clear();
        }
        state = compacted;
        heldRows.keySet().retainAll(openFiles(compacted));
    }

    private static Set<String> openFiles(IndexProgress state) {
        Set<String> files = new HashSet<>();
        state.openSegments().forEach(segment -> files.add(segment.file()));
        return files;
    }

    /**
     * Adds one batch's vectors (row-major), skipping rows whose id is already indexed; returns the
     * objects to upload and the keys the change makes obsolete.
     */
    Changes append(
            long batch,
            float[] vectors,
            long[] ids,
            List<String> catalogIds,
            long[] fingerprints,
            IndexEvents events) {
        int dimension = state.model().dimension();
        List<IdFile.Entry> rows = new ArrayList<>(ids.length);
        int[] keep = new int[ids.length];
        Changes changes = new Changes();
        for (int row = 0; row < ids.length; row++) {
            boolean again = deleted.remove(ids[row]);
            if (again) {
                changes.readded.add(ids[row]);
            }
            if (indexedIds.add(ids[row]) || again) {
                keep[rows.size()] = row;
                rows.add(new IdFile.Entry(ids[row], catalogIds.get(row)));
            }
        }
        long[] keptPrints = new long[rows.size()];
        for (int i = 0; i < keptPrints.length; i++) {
            keptPrints[i] = fingerprints[keep[i]];
        }
        if (rows.isEmpty()) {
            return changes;
        }
        float[] keptVectors = vectors;
        long[] keptIds = ids;
        if (rows.size() < ids.length) {
            keptVectors = new float[rows.size() * dimension];
            keptIds = new long[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                System.arraycopy(
                        vectors, keep[i] * dimension, keptVectors, i * dimension, dimension);
                keptIds[i] = ids[keep[i]];
            }
        }
        if (sampling) {
            recallSample.offer(keptVectors, keptIds);
        }
        ShardWriter.Appended appended = writer.append(keptVectors, keptIds);
        appended.adds().forEach(add -> events.added(type, add.vectors(), add.nanos()));
        openEntries.addAll(rows);
        rememberPrints(rows, keptPrints, 0, rows.size());
        appended.trained().ifPresent(trained -> trained(trained, changes));
        for (ShardWriter.Sealed sealed : appended.sealed()) {
            sealed(sealed, events, changes);
        }
        appended.segment().ifPresent(segment -> flushed(batch, segment, events, changes));
        return changes;
    }

    /**
     * Ends a job. The open shard stays open (its batches are segments already) unless a trained
     * factory is still buffering for its sample at the end of the catalogue: it then trains on what
     * the catalogue gave and seals, so that the index is trained from now on. Then measures a
     * trained index's recall on this run's vectors.
     */
    Changes finish(boolean catalogueEnded, IndexEvents events) {
        if (catalogueEnded && !writer.isTrained() && writer.openVectors() > 0) {
            return sealOpenShard(events);
        }
        measureQuality();
        return new Changes();
    }

    /**
     * Seals the open shard if it holds anything, training first if the catalogue ended before the
     * training sample was reached; then measures a trained index's recall on this run's vectors.
     */
    Changes sealOpenShard(IndexEvents events) {
        Changes changes = new Changes();
        ShardWriter.Finished finished = writer.finish();
        finished.trained().ifPresent(trained -> trained(trained, changes));
        finished.sealed().forEach(shard -> sealed(shard, events, changes));
        measureQuality();
        return changes;
    }

    /**
     * Records the trained index: uploaded before any shard made from it, and named by progress in
     * the same commit as those shards, so a kill leaves either no recorded training (the next run
     * trains again, on the same first vectors, to the same bytes) or a complete one.
     */
    private void trained(ShardWriter.Trained trained, Changes changes) {
        String key = layout.trainedKey(type);
        changes.uploads.add(new PendingObject("trained", key, trained.data(), FAISS_TYPE, true));
        TrainedRecord record =
                new TrainedRecord(
                        layout.relative(key),
                        Sha256.hex(trained.data()),
                        trained.data().length,
                        state.factory(),
                        trained.sampleVectors(),
                        clock.instant(),
                        null,
                        writers.autoChoice(state.model().dimension())
                                .map(AutoFactory.Choice::reason)
                                .orElse(null));
        state = withTrained(state, record);
        log.info(
                "Trained {} ({}) on {} vectors in {} ms: {} bytes",
                type.key(),
                state.factory(),
                trained.sampleVectors(),
                trained.nanos() / 1_000_000,
                trained.data().length);
    }

    private void measureQuality() {
        TrainedRecord training = state.trained();
        if (training == null || recallSample.size() < RecallSample.MIN_VECTORS) {
            return;
        }
        byte[] trainedIndex = writer.trainedIndex().orElseThrow();
        RecallSample.Measured measured = writers.measure(recallSample, trainedIndex);
        IndexQuality quality =
                new IndexQuality(
                        measured.recallAt10(),
                        measured.sampleSize(),
                        measured.queries(),
                        measured.nprobe(),
                        clock.instant());
        state = withTrained(state, training.withQuality(quality));
        log.info(
                "Recall@10 of {} against exact search: {} (sample {}, {} queries, nprobe {})",
                type.key(),
                String.format(java.util.Locale.ROOT, "%.3f", measured.recallAt10()),
                measured.sampleSize(),
                measured.queries(),
                measured.nprobe());
        writers.autoChoice(state.model().dimension())
                .filter(choice -> measured.recallAt10() < writers.recallFloor())
                .ifPresent(
                        choice ->
                                log.warn(
                                        "Recall@10 of {} ({}) is under fsb.shard.auto.recall-floor"
                                                + " {}: raise fsb.shard.auto.memory-budget or"
                                                + " fsb.search.nprobe",
                                        type.key(),
                                        choice.factory(),
                                        writers.recallFloor()));
    }

    private static IndexProgress withTrained(IndexProgress state, TrainedRecord trained) {
        return new IndexProgress(
                state.model(),
                state.metric(),
                state.factory(),
                state.sealedShards(),
                state.openShard(),
                state.openSegments(),
                trained);
    }

    @Override
    public void close() {
        writer.close();
    }

    private void sealed(ShardWriter.Sealed sealed, IndexEvents events, Changes changes) {
        events.serialized(sealed.body().size(), sealed.serializeNanos());
        int count = Math.toIntExact(sealed.vectors());
        List<IdFile.Entry> entries = List.copyOf(openEntries.subList(0, count));
        openEntries.subList(0, count).clear();
        byte[] prints = FingerprintFile.write(openPrints, 0, count);
        System.arraycopy(openPrints, count, openPrints, 0, openPrintCount - count);
        openPrintCount -= count;
        openPrintById.clear();
        // The rows before the seal are gone from the open shard, and with them every segment.
        heldRows.clear();
        for (int i = 0; i < openPrintCount; i++) {
            openPrintById.put(openEntries.get(i).faissId(), openPrints[i]);
        }
        requireSameIds(entries, sealed.ids());
        indexedIds.sealed(sealed.ids(), openEntries);
        int shard = state.openShard();
        String key = layout.shardKey(type, shard);
        String idsKey = layout.shardIdsKey(type, shard);
        String urlsKey = layout.shardUrlsKey(type, shard);
        changes.uploads.add(
                new PendingObject("ids", idsKey, IdFile.write(entries), TSV_TYPE, true));
        String doneKey = layout.shardDoneKey(type, shard);
        changes.uploads.add(
                new PendingObject(
                        "ids",
                        doneKey,
                        DoneBitmap.encode(sealed.ids()),
                        DoneBitmap.CONTENT_TYPE,
                        true));
        changes.uploads.add(new PendingObject("urls", urlsKey, prints, BINARY_TYPE, true));
        changes.uploads.add(new PendingObject("shard", key, sealed.body(), FAISS_TYPE, true));
        long min = Arrays.stream(sealed.ids()).min().orElse(0);
        long max = Arrays.stream(sealed.ids()).max().orElse(0);
        ShardRecord record =
                new ShardRecord(
                        shard,
                        layout.relative(key),
                        layout.relative(idsKey),
                        count,
                        sealed.body().size(),
                        sealed.body().sha256(),
                        min,
                        max,
                        clock.instant(),
                        state.trained() == null ? null : state.trained().sha256(),
                        layout.relative(doneKey),
                        layout.relative(urlsKey));
        for (SegmentRecord segment : state.openSegments()) {
            changes.obsoleteKeys.add(layout.absolute(segment.file()));
            changes.obsoleteKeys.add(layout.absolute(segment.idsFile()));
            if (segment.urlsFile() != null) {
                changes.obsoleteKeys.add(layout.absolute(segment.urlsFile()));
            }
            // The sealed shard was filled from the live rows alone: its segments' dead vectors
            // are gone with them.
            changes.clearedFiles.add(segment.file());
        }
        List<ShardRecord> shards = new ArrayList<>(state.sealedShards());
        shards.add(record);
        state =
                new IndexProgress(
                        state.model(),
                        state.metric(),
                        state.factory(),
                        shards,
                        shard + 1,
                        List.of(),
                        state.trained());
        events.sealed(type, record);
    }

    private void flushed(
            long batch, ShardWriter.Flushed segment, IndexEvents events, Changes changes) {
        events.serialized(segment.data().length, segment.serializeNanos());
        List<IdFile.Entry> entries =
                List.copyOf(
                        openEntries.subList(
                                openEntries.size() - segment.ids().length, openEntries.size()));
        requireSameIds(entries, segment.ids());
        int shard = state.openShard();
        String key = layout.segmentKey(type, shard, batch);
        String idsKey = layout.segmentIdsKey(type, shard, batch);
        String urlsKey = layout.segmentUrlsKey(type, shard, batch);
        changes.uploads.add(
                new PendingObject("ids", idsKey, IdFile.write(entries), TSV_TYPE, false));
        changes.uploads.add(
                new PendingObject(
                        "urls",
                        urlsKey,
                        FingerprintFile.write(
                                openPrints, openPrintCount - entries.size(), entries.size()),
                        BINARY_TYPE,
                        false));
        changes.uploads.add(new PendingObject("segment", key, segment.data(), FAISS_TYPE, false));
        heldRows.put(
                layout.relative(key),
                new HeldRows(openEntries.size() - entries.size(), entries.size()));
        List<SegmentRecord> segments = new ArrayList<>(state.openSegments());
        segments.add(
                new SegmentRecord(
                        batch,
                        layout.relative(key),
                        layout.relative(idsKey),
                        entries.size(),
                        segment.data().length,
                        Sha256.hex(segment.data()),
                        Arrays.stream(segment.ids()).min().orElseThrow(),
                        Arrays.stream(segment.ids()).max().orElseThrow(),
                        layout.relative(urlsKey)));
        state =
                new IndexProgress(
                        state.model(),
                        state.metric(),
                        state.factory(),
                        state.sealedShards(),
                        shard,
                        segments,
                        state.trained());
    }

    private void rememberPrints(List<IdFile.Entry> rows, long[] prints, int from, int count) {
        if (openPrintCount + count > openPrints.length) {
            openPrints =
                    Arrays.copyOf(
                            openPrints, Math.max(openPrints.length * 2, openPrintCount + count));
        }
        System.arraycopy(prints, from, openPrints, openPrintCount, count);
        openPrintCount += count;
        for (int i = 0; i < count; i++) {
            openPrintById.put(rows.get(i).faissId(), prints[from + i]);
        }
    }

    /**
     * The writer adds rows in the order given, so its ids and the recorded catalogue ids line up.
     */
    private static void requireSameIds(List<IdFile.Entry> entries, long[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (entries.get(i).faissId() != ids[i]) {
                throw new IllegalStateException(
                        "shard writer reordered ids: "
                                + ids[i]
                                + " where "
                                + entries.get(i).faissId()
                                + " was added");
            }
        }
    }

    /** Objects to upload and keys made obsolete, in the order they arose. */
    static final class Changes {

        final List<PendingObject> uploads = new ArrayList<>();
        final List<String> obsoleteKeys = new ArrayList<>();

        /** Files (relative) whose tombstones no longer apply: the files are gone. */
        final List<String> clearedFiles = new ArrayList<>();

        /** Ids stored again after they were deleted. */
        final List<Long> readded = new ArrayList<>();
    }
}
