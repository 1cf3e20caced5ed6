package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.embedding.IndexType;
import org.junit.jupiter.api.Test;

class IndexLayoutTests {

    @Test
    void keepsTheOriginalLayoutAtTheRoot() {
        IndexLayout layout = IndexLayout.at("");
        assertThat(layout.progressKey()).isEqualTo("progress.json");
        assertThat(layout.shardKey(IndexType.COLOR, 1)).isEqualTo("faiss/color_shard_001.faiss");
        assertThat(layout.shardKey(IndexType.STRUCTURE, 12))
                .isEqualTo("faiss/structure_shard_012.faiss");
        assertThat(layout.shardKey(IndexType.COMBINED, 1234))
                .isEqualTo("faiss/combined_shard_1234.faiss");
        assertThat(layout.manifestKey()).isEqualTo("faiss/manifest.json");
    }

    @Test
    void putsEverythingUnderAPrefix() {
        IndexLayout layout = IndexLayout.at("/shop-a/v2/");
        assertThat(layout.prefix()).isEqualTo("shop-a/v2");
        assertThat(layout.progressKey()).isEqualTo("shop-a/v2/progress.json");
        assertThat(layout.shardKey(IndexType.COLOR, 1))
                .isEqualTo("shop-a/v2/faiss/color_shard_001.faiss");
        assertThat(layout.relative("shop-a/v2/faiss/x.faiss")).isEqualTo("faiss/x.faiss");
        assertThat(layout.absolute("faiss/x.faiss")).isEqualTo("shop-a/v2/faiss/x.faiss");
        assertThat(layout.segmentKey(IndexType.COLOR, 2, 17))
                .isEqualTo("shop-a/v2/faiss/open/color_shard_002_batch_000017.faiss");
    }

    @Test
    void rejectsPrefixesThatEscapeOrContainOddCharacters() {
        assertThatThrownBy(() -> IndexLayout.at("../x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexLayout.at("a//b"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> IndexLayout.at("a b"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recognisesOnlyItsOwnSegmentNamesDirectlyUnderItsOpenFolder() {
        IndexLayout root = IndexLayout.at("");
        assertThat(root.isSegmentKey("faiss/open/color_shard_002_batch_000017.faiss")).isTrue();
        assertThat(root.isSegmentKey("faiss/open/combined_shard_1234_batch_1234567.ids.tsv"))
                .isTrue();
        assertThat(root.isSegmentKey(root.segmentKey(IndexType.STRUCTURE, 3, 41))).isTrue();
        assertThat(root.isSegmentKey(root.segmentIdsKey(IndexType.STRUCTURE, 3, 41))).isTrue();
        assertThat(
                        root.isSegmentKey(
                                "faiss/open/victim/faiss/open/color_shard_002_batch_000017.faiss"))
                .isFalse();
        assertThat(root.isSegmentKey("faiss/open/victim/progress.json")).isFalse();
        assertThat(root.isSegmentKey("faiss/open/notes.txt")).isFalse();
        assertThat(root.isSegmentKey("faiss/open/color_shard_02_batch_000017.faiss")).isFalse();
        assertThat(root.isSegmentKey("faiss/open/colour_shard_002_batch_000017.faiss")).isFalse();
        assertThat(root.isSegmentKey("faiss/open/color_shard_002_batch_17.faiss")).isFalse();
        assertThat(root.isSegmentKey("faiss/open/color_shard_002_batch_000017.faiss.bak"))
                .isFalse();
        assertThat(root.isSegmentKey("faiss/color_shard_002.faiss")).isFalse();
        assertThat(root.isSegmentKey("part-0-of-2/faiss/open/color_shard_002_batch_000017.faiss"))
                .isFalse();
        IndexLayout shop = IndexLayout.at("shop");
        assertThat(shop.isSegmentKey("shop/faiss/open/color_shard_002_batch_000017.faiss"))
                .isTrue();
        assertThat(shop.isSegmentKey("faiss/open/color_shard_002_batch_000017.faiss")).isFalse();
    }
}
