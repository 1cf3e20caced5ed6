package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TombstonesTests {

    @Test
    void aTombstoneKillsTheIdInItsFileOnly() {
        Tombstones dead =
                Tombstones.ofRecords(
                        List.of(
                                record("color", "faiss/color_shard_001.faiss", 7),
                                record("combined", "faiss/combined_shard_001.faiss", 8)),
                        "color");
        assertThat(dead.isDead("faiss/color_shard_001.faiss", 7)).isTrue();
        // A re-embedded row keeps its id; its new vector in another file lives.
        assertThat(dead.isDead("faiss/color_shard_002.faiss", 7)).isFalse();
        assertThat(dead.isDead("faiss/color_shard_001.faiss", 8)).isFalse();
        assertThat(dead.isDead("faiss/combined_shard_001.faiss", 8))
                .as("another type's tombstone")
                .isFalse();
        assertThat(dead.count("faiss/color_shard_001.faiss")).isEqualTo(1);
    }

    @Test
    void manifestTombstonesOfPartitionsAreKeyedByTheirSubPrefix() {
        Tombstones first =
                Tombstones.ofManifest(
                        List.of(new Manifest.TombstoneEntry("color", "faiss/a.faiss", 1)),
                        "part-0-of-2/");
        Tombstones second =
                Tombstones.ofManifest(
                        List.of(new Manifest.TombstoneEntry("color", "faiss/a.faiss", 2)),
                        "part-1-of-2/");
        Tombstones all = first.with(second);
        assertThat(all.isDead("part-0-of-2/faiss/a.faiss", 1)).isTrue();
        assertThat(all.isDead("part-0-of-2/faiss/a.faiss", 2)).isFalse();
        assertThat(all.isDead("part-1-of-2/faiss/a.faiss", 2)).isTrue();
        assertThat(all).isEqualTo(second.with(first));
    }

    @Test
    void liveRowsOfAFileLeaveTheDeadOnesOut() {
        OpenTypeIndex.Rows rows =
                new OpenTypeIndex.Rows(2, new float[] {1, 1, 2, 2, 3, 3}, new long[] {10, 11, 12});
        List<IdFile.Entry> entries =
                List.of(
                        new IdFile.Entry(10, "a"),
                        new IdFile.Entry(11, "b"),
                        new IdFile.Entry(12, "c"));
        OpenTypeIndex.Live live =
                OpenTypeIndex.live(
                        "f",
                        rows,
                        entries,
                        Tombstones.ofManifest(
                                List.of(new Manifest.TombstoneEntry("color", "f", 11)), ""));
        assertThat(live.rows().ids()).containsExactly(10, 12);
        assertThat(live.rows().vectors()).containsExactly(1, 1, 3, 3);
        assertThat(live.entries()).extracting(IdFile.Entry::catalogId).containsExactly("a", "c");
    }

    private static TombstoneRecord record(String type, String file, long id) {
        return new TombstoneRecord(type, file, id, String.valueOf(id), Instant.EPOCH, false);
    }
}
