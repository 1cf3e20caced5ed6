package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.embedding.IndexType;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.storage.LocalStorageClient;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The failure log at the scale of a long build: what one commit may write (its own changes plus at
 * most one step of {@link FailureLog#MERGE_LIMIT_BYTES}), how many records {@code progress.json}
 * names, and lazy lookups that read only the objects whose id range holds an id, each checked
 * against a plain map kept beside it.
 */
class FailureLogScheduleTests {

    private static final Instant AT = Instant.parse("2026-12-02T04:00:00Z");

    /** A line is well under this many bytes for the ids and URLs of these tests. */
    private static final int LINE_BYTES = 160;

    private final JsonMapper json = JsonMapper.builder().build();
    private final IndexLayout layout = IndexLayout.at("shop");

    @TempDir Path dir;

    @Test
    void eachCommitWritesItsChangesAndAtMostOneBoundedStepWhileProgressStaysSmall() {
        RecordingStorage storage = new RecordingStorage(new LocalStorageClient(dir));
        ProgressStore store = new ProgressStore(json);
        Progress committed = Progress.empty();
        FailureLog log = store.openFailureLog(layout, storage, committed);
        Map<String, FailureReason> expected = new TreeMap<>();
        AtomicLong written = new AtomicLong();
        IndexEvents events = counting(written);
        SplittableRandom random = new SplittableRandom(15);
        long id = 1_000_000;
        long maxProgress = 0;
        int commits = 1_500;
        for (int commit = 1; commit <= commits; commit++) {
            int changes = 0;
            // A batch of 256 ids, about 5% failing; a few earlier failures embedded on a retry.
            for (int row = 0; row < 256; row++, id++) {
                if (random.nextInt(20) == 0) {
                    FailureReason reason =
                            random.nextInt(4) == 0
                                    ? FailureReason.TIMEOUT
                                    : FailureReason.NOT_FOUND;
                    log.fail(Long.toString(id), "https://cdn.example.com/" + id, reason, "x", AT);
                    expected.put(Long.toString(id), reason);
                    changes++;
                }
            }
            if (commit % 10 == 0 && !expected.isEmpty()) {
                String earlier = expected.keySet().iterator().next();
                log.clear(earlier);
                expected.remove(earlier);
                changes++;
            }
            written.set(0);
            FailureLog.Written result = log.commit(storage, commit % 70 == 0, events);
            assertThat(written.get())
                    .as("commit %d writes its %d changes and at most one step", commit, changes)
                    .isLessThanOrEqualTo(
                            (long) changes * LINE_BYTES + FailureLog.MERGE_LIMIT_BYTES);
            result.obsoleteKeys().forEach(storage::delete);
            committed = progress(committed, result);
            long bytes = store.save(layout, storage, committed, committed).progressBytes();
            maxProgress = Math.max(maxProgress, bytes);
        }
        Progress loaded = store.load(layout, storage).orElseThrow();
        long logBytes = loaded.failureLog().stream().mapToLong(FailureLogRecord::bytes).sum();
        // Settled objects hold at least half the limit; the tail is logarithmic plus < 32 logs.
        assertThat(loaded.failureLog().size())
                .as("objects for %,d bytes of failures", logBytes)
                .isLessThanOrEqualTo(
                        (int) (logBytes / (FailureLog.MERGE_LIMIT_BYTES / 2)) * 2 + 64);
        assertThat(loaded.failureChunks()).isNotEmpty();
        assertThat(maxProgress)
                .as("progress.json names chunks, not every object")
                .isLessThan(40_000);
        Map<String, FailureRecord> read = store.failures(layout, storage, loaded);
        assertThat(reasons(read)).isEqualTo(expected);
        assertThat(loaded.transientFailures())
                .isEqualTo(expected.values().stream().filter(FailureReason::isTransient).count());
    }

    @Test
    void aBuildHoldsTheLogsUnsettledTailAndABoundedCacheHoweverManyFailuresItRecorded() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        int cacheLines = 1_000;
        FailureLog log = FailureLog.open(layout, storage, Progress.empty(), json, cacheLines);
        SplittableRandom random = new SplittableRandom(42);
        long id = 0;
        long failures = 0;
        int mostInOneCommit = 0;
        long mostHeld = 0;
        long mostForMerges = 0;
        for (int commit = 1; commit <= 1_500; commit++) {
            // A batch of 256 ids in catalogue order, about 5% failing; a shard sealed every 70.
            int changes = 0;
            for (int row = 0; row < 256; row++, id++) {
                if (random.nextInt(20) == 0) {
                    log.fail(
                            Long.toString(id),
                            "https://cdn.example.com/p/" + id + ".jpg",
                            FailureReason.HTTP_STATUS,
                            "HTTP 404",
                            AT);
                    changes++;
                }
            }
            failures += changes;
            mostInOneCommit = Math.max(mostInOneCommit, changes);
            log.commit(storage, commit % 70 == 0, IndexEvents.NONE)
                    .obsoleteKeys()
                    .forEach(storage::delete);
            mostHeld = Math.max(mostHeld, log.linesInMemory());
            mostForMerges = Math.max(mostForMerges, log.linesHeldForMerges());
        }
        // Unsettled: fewer than COMPACT_AFTER commit logs, and compacted objects each under half
        // the merge limit whose sizes at least halve along the tail (under two limits in all); a
        // line here is at least 100 bytes. The lookup cache (objects whose id range holds an id
        // asked about: as strings, "1234567" lies inside an old object's ["123400", "123500"])
        // holds at most its lines plus the one object read last (at most the merge limit).
        long tail =
                (long) FailureLog.COMPACT_AFTER * mostInOneCommit
                        + 2 * FailureLog.MERGE_LIMIT_BYTES / 100;
        assertThat(failures).isGreaterThan(18_000);
        assertThat(mostForMerges)
                .as("lines held for merges in a build that recorded %,d failures", failures)
                .isLessThanOrEqualTo(tail);
        assertThat(mostHeld)
                .as("lines held in all in a build that recorded %,d failures", failures)
                .isLessThanOrEqualTo(tail + cacheLines + FailureLog.MERGE_LIMIT_BYTES / 100);
    }

    @Test
    void aReopenedLogReadsOnlyTheObjectsWhoseRangeHoldsTheIdAskedAbout() {
        RecordingStorage storage = new RecordingStorage(new LocalStorageClient(dir));
        ProgressStore store = new ProgressStore(json);
        Progress committed = Progress.empty();
        FailureLog log = store.openFailureLog(layout, storage, committed);
        Map<String, FailureReason> expected = new TreeMap<>();
        long id = 100_000;
        for (int commit = 1; commit <= 400; commit++) {
            for (int row = 0; row < 40; row++, id += 7) {
                log.fail(
                        Long.toString(id),
                        "https://cdn.example.com/" + id,
                        FailureReason.NOT_FOUND,
                        null,
                        AT);
                expected.put(Long.toString(id), FailureReason.NOT_FOUND);
            }
            FailureLog.Written result = log.commit(storage, commit % 50 == 0, IndexEvents.NONE);
            result.obsoleteKeys().forEach(storage::delete);
            committed = progress(committed, result);
            store.save(layout, storage, committed, committed);
        }
        Progress loaded = store.load(layout, storage).orElseThrow();
        int objects = loaded.failureLog().size();
        assertThat(objects).isGreaterThan(20);
        storage.clear();
        int cacheLines = 2_000;
        FailureLog reopened = FailureLog.open(layout, storage, loaded, json, cacheLines);
        assertThat(storage.reads()).as("opening reads no failure object").isEmpty();
        assertThat(reopened.get("100007")).isPresent();
        assertThat(reopened.get("100008")).isEmpty();
        assertThat(reopened.get("99")).isEmpty();
        assertThat(storage.reads()).as("one object holds the range of these ids").hasSize(1);
        // A scan of every id in catalogue order: each object is read once, memory holds a few.
        storage.clear();
        long maxLines = 0;
        for (long each = 100_000; each < id; each++) {
            String key = Long.toString(each);
            assertThat(reopened.get(key).map(FailureRecord::reason))
                    .as(key)
                    .isEqualTo(Optional.ofNullable(expected.get(key)));
            maxLines = Math.max(maxLines, reopened.linesInMemory());
        }
        assertThat(storage.reads()).hasSizeLessThanOrEqualTo(objects).doesNotHaveDuplicates();
        long largest =
                loaded.failureLog().stream()
                        .mapToLong(FailureLogRecord::entries)
                        .max()
                        .orElseThrow();
        assertThat(maxLines)
                .as("lines held while scanning %,d failures", expected.size())
                .isLessThanOrEqualTo(cacheLines + largest)
                .isLessThan(expected.size() / 4);
    }

    @Test
    void aScanOfIntegerIdsOfTwoLengthsReadsEachObjectOnce() {
        RecordingStorage storage = new RecordingStorage(new LocalStorageClient(dir));
        ProgressStore store = new ProgressStore(json);
        Progress committed = Progress.empty();
        FailureLog log = store.openFailureLog(layout, storage, committed);
        Map<String, FailureReason> expected = new TreeMap<>();
        // A catalogue of the 6-digit ids 100,000 to 199,999 (every 20th failing), then the 7-digit
        // ones 1,000,000 to 1,999,999 (every 200th). Ranges compare strings, so "1002345" sorts
        // inside a 6-digit object's ["100007", "105987"].
        List<long[]> spans =
                List.of(new long[] {100_000, 200_000, 20}, new long[] {1_000_000, 2_000_000, 200});
        int commit = 0;
        for (long[] span : spans) {
            for (long id = span[0]; id < span[1]; ) {
                for (int row = 0; row < 2_560 && id < span[1]; row++, id++) {
                    if (id % span[2] == 7) {
                        log.fail(Long.toString(id), "u" + id, FailureReason.NOT_FOUND, null, AT);
                        expected.put(Long.toString(id), FailureReason.NOT_FOUND);
                    }
                }
                commit++;
                FailureLog.Written result = log.commit(storage, commit % 7 == 0, IndexEvents.NONE);
                result.obsoleteKeys().forEach(storage::delete);
                committed = progress(committed, result);
                store.save(layout, storage, committed, committed);
            }
        }
        Progress loaded = store.load(layout, storage).orElseThrow();
        storage.clear();
        FailureLog reopened = FailureLog.open(layout, storage, loaded, json, 2_000);
        for (long[] span : spans) {
            for (long each = span[0]; each < span[1]; each++) {
                String key = Long.toString(each);
                assertThat(reopened.get(key).map(FailureRecord::reason))
                        .as(key)
                        .isEqualTo(Optional.ofNullable(expected.get(key)));
            }
        }
        assertThat(reopened.linesInMemory())
                .as("read lazily, not every failure held")
                .isLessThan(expected.size() / 2);
        assertThat(storage.reads())
                .as("objects read scanning the catalogue")
                .hasSizeLessThanOrEqualTo(loaded.failureLog().size())
                .doesNotHaveDuplicates();
    }

    @Test
    void idsInNoOrderFallBackToHoldingEveryFailureAndAnswerAlike() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        ProgressStore store = new ProgressStore(json);
        Progress committed = Progress.empty();
        FailureLog log = store.openFailureLog(layout, storage, committed);
        Map<String, FailureReason> expected = new TreeMap<>();
        SplittableRandom random = new SplittableRandom(7);
        for (int commit = 1; commit <= 120; commit++) {
            for (int row = 0; row < 10; row++) {
                String uuid = Long.toHexString(random.nextLong()) + "-" + commit;
                log.fail(uuid, "u", FailureReason.TIMEOUT, null, AT);
                expected.put(uuid, FailureReason.TIMEOUT);
            }
            FailureLog.Written result = log.commit(storage, false, IndexEvents.NONE);
            result.obsoleteKeys().forEach(storage::delete);
            committed = progress(committed, result);
            store.save(layout, storage, committed, committed);
        }
        FailureLog reopened =
                store.openFailureLog(layout, storage, store.load(layout, storage).orElseThrow());
        for (Map.Entry<String, FailureReason> entry : expected.entrySet()) {
            assertThat(reopened.get(entry.getKey()))
                    .hasValueSatisfying(f -> assertThat(f.reason()).isEqualTo(entry.getValue()));
        }
        assertThat(reopened.get("not-an-id")).isEmpty();
        assertThat(reopened.linesInMemory()).isEqualTo(expected.size());
        assertThat(reopened.hasTransient()).isTrue();
    }

    @Test
    void recordsWithoutRangesFromAnOlderWriterGetThemWhenOpened() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        ProgressStore store = new ProgressStore(json);
        FailureLog log = store.openFailureLog(layout, storage, Progress.empty());
        log.fail("b", "u", FailureReason.NOT_FOUND, null, AT);
        log.fail("d", "u", FailureReason.NOT_FOUND, null, AT);
        FailureLog.Written first = log.commit(storage, false, IndexEvents.NONE);
        log.clear("b");
        FailureLog.Written second = log.commit(storage, false, IndexEvents.NONE);
        List<FailureLogRecord> old = new ArrayList<>();
        for (FailureLogRecord record : second.records()) {
            old.add(
                    new FailureLogRecord(
                            record.file(),
                            record.firstSeq(),
                            record.lastSeq(),
                            record.entries(),
                            record.bytes(),
                            record.sha256()));
        }
        assertThat(first.records()).hasSize(1);
        Progress older =
                new Progress(
                        Progress.FORMAT_VERSION,
                        AT,
                        3,
                        Map.of(),
                        Map.of(),
                        old,
                        Map.of(),
                        List.of());
        assertThat(older.transientFailures()).as("an older file counts nothing").isNull();
        FailureLog reopened = store.openFailureLog(layout, storage, older);
        assertThat(reopened.get("b")).isEmpty();
        assertThat(reopened.get("d")).isPresent();
        assertThat(reopened.hasTransient()).isFalse();
        reopened.fail("d", "u", FailureReason.TIMEOUT, null, AT);
        assertThat(reopened.get("d"))
                .hasValueSatisfying(f -> assertThat(f.attempts()).isEqualTo(2));
        FailureLog.Written again = reopened.commit(storage, false, IndexEvents.NONE);
        assertThat(again.records()).allSatisfy(record -> assertThat(record.firstId()).isNotNull());
        assertThat(again.transientFailures()).isEqualTo(1);
    }

    private static Progress progress(Progress base, FailureLog.Written written) {
        return new Progress(
                Progress.FORMAT_VERSION,
                AT,
                base.nextBatch() + 1,
                base.indexes(),
                Map.of(),
                written.records(),
                Map.of(),
                List.of(),
                written.chunks(),
                written.transientFailures());
    }

    private static Map<String, FailureReason> reasons(Map<String, FailureRecord> failures) {
        Map<String, FailureReason> out = new TreeMap<>();
        failures.forEach((id, failure) -> out.put(id, failure.reason()));
        return out;
    }

    private static IndexEvents counting(AtomicLong bytes) {
        return new IndexEvents() {
            @Override
            public void uploaded(String kind, long written, long nanos) {
                bytes.addAndGet(written);
            }

            @Override
            public void serialized(long written, long nanos) {}

            @Override
            public void added(IndexType type, int vectors, long nanos) {}

            @Override
            public void sealed(IndexType type, ShardRecord shard) {}
        };
    }
}
