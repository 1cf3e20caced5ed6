package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.shard.Metric;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * FAISS's OpenMP thread count is per thread: the count configured on the thread that built the
 * context must also hold on job and search threads, which OpenMP would otherwise give one thread
 * per core.
 */
class FaissThreadsTests {

    @AfterEach
    void restoreShippedDefault() {
        FaissLibrary.setDefaultThreads(1);
    }

    @Test
    void theDefaultHoldsOnEveryThreadThatCallsFaiss() throws Exception {
        int openMpOwn = onNewThread(FaissLibrary::threadsOfCurrentThread);
        int configured = openMpOwn + 1; // differs from OpenMP's own default, whatever the cores
        FaissLibrary.setDefaultThreads(configured);

        int onAJobThread =
                onNewThread(
                        () -> {
                            searchOnce();
                            return FaissLibrary.threadsOfCurrentThread();
                        });

        assertThat(onAJobThread).isEqualTo(configured);
    }

    @Test
    void aThreadThatChoseItsOwnCountKeepsIt() throws Exception {
        int openMpOwn = onNewThread(FaissLibrary::threadsOfCurrentThread);
        FaissLibrary.setDefaultThreads(openMpOwn + 1);

        int onASearchThread =
                onNewThread(
                        () -> {
                            FaissLibrary.setThreads(openMpOwn + 2);
                            searchOnce();
                            return FaissLibrary.threadsOfCurrentThread();
                        });

        assertThat(onASearchThread).isEqualTo(openMpOwn + 2);
    }

    private static void searchOnce() {
        try (FaissIndex index = FaissIndex.create(8, "IDMap,Flat", Metric.L2)) {
            float[] vectors = FaissIndexTests.unitVectors(10, 8, 3);
            index.addWithIds(vectors, new long[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            assertThat(index.search(vectors, 1).id(0, 0)).isEqualTo(1);
        }
    }

    private static int onNewThread(Supplier<Integer> work) throws Exception {
        CompletableFuture<Integer> result = new CompletableFuture<>();
        Thread thread =
                new Thread(
                        () -> {
                            try {
                                result.complete(work.get());
                            } catch (Throwable ex) {
                                result.completeExceptionally(ex);
                            }
                        });
        thread.start();
        return result.get(60, TimeUnit.SECONDS);
    }
}
