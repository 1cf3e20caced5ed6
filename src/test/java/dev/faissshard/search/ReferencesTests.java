package dev.faissshard.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ReferencesTests {

    @Test
    void theLastReleaseIsTheOneThatFrees() {
        References references = new References();
        assertThat(references.retain()).isTrue();

        assertThat(references.release()).isFalse();
        assertThat(references.release()).as("the creator's, the last").isTrue();
    }

    @Test
    void nothingCanBeRetainedOnceFreed() {
        References references = new References();
        assertThat(references.release()).isTrue();

        assertThat(references.retain()).isFalse();
        assertThat(references.retain()).isFalse();
    }

    @Test
    void concurrentHoldersFreeExactlyOnce() {
        References references = new References();
        AtomicInteger freed = new AtomicInteger();
        List<CompletableFuture<Void>> holders = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            holders.add(
                    CompletableFuture.runAsync(
                            () -> {
                                for (int j = 0; j < 10_000; j++) {
                                    if (references.retain() && references.release()) {
                                        freed.incrementAndGet();
                                    }
                                }
                            }));
        }
        holders.forEach(CompletableFuture::join);
        assertThat(freed).as("the creator still holds one").hasValue(0);

        assertThat(references.release()).isTrue();
        assertThat(references.retain()).isFalse();
    }
}
