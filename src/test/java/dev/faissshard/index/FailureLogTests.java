package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.storage.LocalStorageClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * The failure log: one object per commit with only that commit's changes, compaction, and the
 * migration of a version-1 progress.json's inline failures, each checked against a plain map kept
 * beside it.
 */
class FailureLogTests {

    private static final Instant AT = Instant.parse("2026-12-02T04:00:00Z");

    private final JsonMapper json = JsonMapper.builder().build();
    private final IndexLayout layout = IndexLayout.at("shop");

    @TempDir Path dir;

    @Test
    void eachCommitAppendsOnlyItsOwnChangesAndProgressStaysSmall() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        ProgressStore store = new ProgressStore(json);
        Progress committed = Progress.empty();
        FailureLog log = store.openFailureLog(layout, storage, committed);
        Map<String, String> expected = new TreeMap<>();
        List<Long> progressSizes = new ArrayList<>();
        for (int batch = 1; batch <= 20; batch++) {
            for (int i = 0; i < 50; i++) {
                String id = batch + "-" + i;
                log.fail(id, "https://cdn.example.com/" + id, FailureReason.NOT_FOUND, "404", AT);
                expected.put(id, "not_found");
            }
            if (batch > 1) {
                // An image failed in the batch before, embedded now.
                log.clear((batch - 1) + "-0");
                expected.remove((batch - 1) + "-0");
            }
            FailureLog.Written written = log.commit(storage, false, IndexEvents.NONE);
            FailureLogRecord last = written.records().get(written.records().size() - 1);
            assertThat(last.entries())
                    .as("batch %d's changes only", batch)
                    .isEqualTo(batch > 1 ? 51 : 50);
            assertThat(written.obsoleteKeys()).isEmpty();
            committed = progress(committed, written.records());
            progressSizes.add(store.save(layout, storage, committed, committed).progressBytes());
        }
        assertThat(progressSizes.get(19))
                .as("progress.json names the objects, it does not hold the failures")
                .isLessThan(5_000);
        assertThat(reasons(store.failures(layout, storage).orElseThrow())).isEqualTo(expected);
    }

    @Test
    void aCompactionMergesTheLogIntoOneObjectWithTheSameFailures() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        ProgressStore store = new ProgressStore(json);
        FailureLog log = store.openFailureLog(layout, storage, Progress.empty());
        Map<String, String> expected = new TreeMap<>();
        List<FailureLogRecord> records = List.of();
        List<String> deleted = new ArrayList<>();
        for (int batch = 1; batch <= 10; batch++) {
            String id = "id-" + batch;
            log.fail(id, "u", FailureReason.TIMEOUT, null, AT);
            log.fail(id, "u", FailureReason.TIMEOUT, null, AT);
            expected.put(id, "timeout");
            if (batch == 5) {
                log.clear("id-2");
                expected.remove("id-2");
            }
            FailureLog.Written written = log.commit(storage, batch % 5 == 0, IndexEvents.NONE);
            records = written.records();
            deleted.addAll(written.obsoleteKeys());
            written.obsoleteKeys().forEach(storage::delete);
        }
        // A commit does one compaction step: the next one merges the two compacted objects.
        FailureLog.Written next = log.commit(storage, false, IndexEvents.NONE);
        records = next.records();
        deleted.addAll(next.obsoleteKeys());
        next.obsoleteKeys().forEach(storage::delete);
        assertThat(records)
                .singleElement()
                .satisfies(
                        record -> {
                            assertThat(record.file())
                                    .isEqualTo(
                                            "faiss/failures/compacted_0000000001_0000000010.jsonl");
                            assertThat(record.entries()).isEqualTo(9);
                        });
        assertThat(deleted).hasSize(12).allMatch(key -> FailureLog.isLogKey(layout, key));
        try (var files = Files.list(dir.resolve("shop/faiss/failures"))) {
            assertThat(files.map(file -> file.getFileName().toString()).toList())
                    .containsExactly("compacted_0000000001_0000000010.jsonl");
        }
        Progress progress = progress(Progress.empty(), records);
        SortedMap<String, FailureRecord> read = store.failures(layout, storage, progress);
        assertThat(reasons(read)).isEqualTo(expected);
        assertThat(read.get("id-7").attempts()).as("attempts counted").isEqualTo(2);
        // The object itself: one JSON object per line, sorted by id.
        List<String> lines =
                Files.readAllLines(
                        dir.resolve("shop/faiss/failures/compacted_0000000001_0000000010.jsonl"),
                        StandardCharsets.UTF_8);
        assertThat(lines).hasSize(9).isSorted();
    }

    @Test
    void aVersionOneProgressIsReadAndItsFailuresMigrateIntoTheLog() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        storage.replace("shop/progress.json", fixture(), "application/json");
        ProgressStore store = new ProgressStore(json);
        Progress v1 = store.load(layout, storage).orElseThrow();
        assertThat(v1.formatVersion()).isEqualTo(1);
        assertThat(store.failures(layout, storage).orElseThrow())
                .as("read before migration")
                .containsOnlyKeys("23013");

        FailureLog log = store.openFailureLog(layout, storage, v1);
        assertThat(log.get("23013"))
                .hasValueSatisfying(
                        f -> assertThat(f.reason()).isEqualTo(FailureReason.HTTP_STATUS));
        FailureLog.Written written = log.commit(storage, false, IndexEvents.NONE);
        Progress v2 =
                new Progress(
                        Progress.FORMAT_VERSION,
                        AT,
                        v1.nextBatch(),
                        v1.indexes(),
                        Map.of(),
                        written.records(),
                        Map.of(),
                        List.of());
        store.save(layout, storage, v2, v1);
        Map<String, Object> stored =
                json.readValue(dir.resolve("shop/progress.json").toFile(), Map.class);
        assertThat(stored.get("formatVersion")).isEqualTo(2);
        assertThat((Map<?, ?>) stored.get("failures")).isEmpty();
        SortedMap<String, FailureRecord> after = store.failures(layout, storage).orElseThrow();
        assertThat(after).isEqualTo(v1.failures());
        assertThat(written.records())
                .singleElement()
                .satisfies(
                        record ->
                                assertThat(record.file()).startsWith("faiss/failures/compacted_"));
    }

    @Test
    void aLogObjectThatWasAlteredIsRefused() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        ProgressStore store = new ProgressStore(json);
        FailureLog log = store.openFailureLog(layout, storage, Progress.empty());
        log.fail("1", "u", FailureReason.NOT_FOUND, null, AT);
        List<FailureLogRecord> records = log.commit(storage, false, IndexEvents.NONE).records();
        storage.replace("shop/" + records.get(0).file(), "{}\n".getBytes(), "application/x-ndjson");
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> store.failures(layout, storage, progress(Progress.empty(), records)))
                .isInstanceOf(FailureLogUnavailableException.class)
                .hasMessageContaining("checksum");
    }

    private static Progress progress(Progress base, List<FailureLogRecord> records) {
        return new Progress(
                Progress.FORMAT_VERSION,
                AT,
                base.nextBatch() + 1,
                base.indexes(),
                Map.of(),
                records,
                Map.of(),
                List.of());
    }

    private static Map<String, String> reasons(Map<String, FailureRecord> failures) {
        Map<String, String> out = new TreeMap<>();
        failures.forEach((id, failure) -> out.put(id, failure.reason().key()));
        return out;
    }

    private static byte[] fixture() throws IOException {
        try (InputStream in =
                FailureLogTests.class.getResourceAsStream("/fixtures/progress-v1.json")) {
            return in.readAllBytes();
        }
    }
}
