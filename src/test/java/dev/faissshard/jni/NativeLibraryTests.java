package dev.faissshard.jni;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.bytedeco.javacpp.annotation.Platform;
import org.junit.jupiter.api.Test;

/**
 * The once-only contract on a library that cannot load. That an installed one loads through it is
 * checked by each binding's own tests ({@code ReducedJpegDecoderTests}, {@code
 * SubsampledPngDecoderTests}, {@code ScaledWebPDecoderTests}, and every FAISS test).
 */
class NativeLibraryTests {

    // JavaCPP's Loader does not throw again for a class it failed to load once, one reason this
    // mechanism remembers the failure itself: so each test names a binding of its own.

    /** A binding whose library exists on no machine. */
    @Platform(library = "jniFsbLibraryThatIsNowhere")
    static final class Absent {}

    /** Another such binding. */
    @Platform(library = "jniFsbOtherLibraryThatIsNowhere")
    static final class AlsoAbsent {}

    @Test
    void aMissingLibraryAnswersFalseAndIsToldOnceWhateverTheCalls() {
        List<Throwable> told = new ArrayList<>();
        NativeLibrary library = new NativeLibrary(Absent.class, told::add);

        assertThat(library.failure()).as("nothing tried yet").isEmpty();
        for (int i = 0; i < 3; i++) {
            assertThat(library.isLoaded()).isFalse();
        }
        assertThat(told).hasSize(1);
        assertThat(told.get(0)).isInstanceOf(UnsatisfiedLinkError.class);
        assertThat(library.failure()).containsSame(told.get(0));
    }

    @Test
    void concurrentFirstCallersTryOnce() throws Exception {
        List<Throwable> told = new ArrayList<>();
        NativeLibrary library =
                new NativeLibrary(
                        AlsoAbsent.class,
                        failure -> {
                            synchronized (told) {
                                told.add(failure);
                            }
                        });
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Boolean>> callers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            callers.add(
                    CompletableFuture.supplyAsync(
                            () -> {
                                try {
                                    start.await();
                                } catch (InterruptedException ex) {
                                    Thread.currentThread().interrupt();
                                }
                                return library.isLoaded();
                            }));
        }
        start.countDown();
        for (CompletableFuture<Boolean> caller : callers) {
            assertThat(caller.get()).isFalse();
        }
        assertThat(told).hasSize(1);
    }
}
