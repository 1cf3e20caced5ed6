package dev.faissshard.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.image.jpeg.ReducedJpegDecoder;
import dev.faissshard.shard.faiss.FaissLibrary;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Loader;
import org.junit.jupiter.api.Test;

/** The start-up preload of the native libraries, on a thread of its own. */
class NativePreloadTests {

    @Test
    void preloadLoadsTheNativeLibrariesOnADaemonThreadThatEnds() throws InterruptedException {
        NativeMemoryLimits.applyDefaults();
        Thread preload = NativePreload.start();
        assertThat(preload.getName()).isEqualTo("native-preload");
        assertThat(preload.isDaemon()).as("never holds the JVM open").isTrue();

        preload.join(TimeUnit.MINUTES.toMillis(3));
        assertThat(preload.isAlive()).isFalse();
        assertThat(Loader.getLoadedLibraries().keySet())
                .anyMatch(name -> name.contains("FaissNative"))
                .anyMatch(name -> name.contains("TurboJpegNative"));
        // Loading again is the idempotent no-op the beans rely on.
        assertThat(FaissLibrary.isAvailable()).isTrue();
        assertThat(ReducedJpegDecoder.isAvailable()).isTrue();
    }
}
