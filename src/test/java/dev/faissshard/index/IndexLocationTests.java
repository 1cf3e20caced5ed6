package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.storage.LocalStorageClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A location is a store and a prefix: the key one job at a time holds, whatever the prefix's
 * spelling.
 */
class IndexLocationTests {

    @TempDir Path root;

    @Test
    void theSamePrefixOfTheSameStoreIsOneLocation() {
        LocalStorageClient storage = new LocalStorageClient(root);
        IndexLocation shop = new IndexLocation(storage, IndexLayout.at("shop"));
        assertThat(new IndexLocation(storage, IndexLayout.at("/shop/")))
                .isEqualTo(shop)
                .hasSameHashCodeAs(shop);
        assertThat(new IndexLocation(storage, IndexLayout.at("shop/part-1-of-2")))
                .isNotEqualTo(shop);
        assertThat(new IndexLocation(storage, IndexLayout.at("")))
                .isNotEqualTo(shop)
                .isEqualTo(new IndexLocation(storage, IndexLayout.at(null)));
    }

    @Test
    void anotherStoreIsAnotherLocationEvenUnderTheSamePrefix() {
        IndexLocation first =
                new IndexLocation(
                        new LocalStorageClient(root.resolve("a")), IndexLayout.at("shop"));
        IndexLocation second =
                new IndexLocation(
                        new LocalStorageClient(root.resolve("b")), IndexLayout.at("shop"));
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void describesTheStoreAndThePrefix() {
        LocalStorageClient storage = new LocalStorageClient(root);
        assertThat(new IndexLocation(storage, IndexLayout.at("shop")).description())
                .isEqualTo(storage.description() + " prefix shop");
        assertThat(new IndexLocation(storage, IndexLayout.at("")).description())
                .isEqualTo(storage.description());
    }
}
