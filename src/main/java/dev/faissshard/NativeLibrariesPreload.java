package dev.faissshard;

import ai.onnxruntime.OrtEnvironment;
import dev.faissshard.image.jpeg.ReducedJpegDecoder;
import dev.faissshard.image.png.SubsampledPngDecoder;
import dev.faissshard.image.webp.ScaledWebPDecoder;
import dev.faissshard.shard.faiss.FaissLibrary;
import org.springframework.boot.context.event.ApplicationEnvironmentPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.Ordered;

/**
 * Loads the native libraries (ONNX Runtime, then the decoders' and FAISS's JavaCPP bindings) on a
 * background thread while Spring builds the context on the main one. Start-up is single-threaded:
 * loading ONNX Runtime alone (24 MB, its environment) took about 0.4 s of the main thread's CPU
 * before the models could open, and the bindings loaded inside the first job. On a second core this
 * now overlaps the context.
 *
 * <p>It starts once the environment is prepared, which is after Spring Boot set up logging: a
 * binding that fails to load logs what to install once, and that line must reach the configured
 * log. Every load stays idempotent and thread-safe where it is used (ONNX Runtime's environment is
 * a synchronized singleton, {@link dev.faissshard.jni.NativeLibrary} loads once), so a bean that
 * needs a library before this thread got to it loads it itself or waits for this thread's load.
 */
final class NativeLibrariesPreload
        implements ApplicationListener<ApplicationEnvironmentPreparedEvent>, Ordered {

    private volatile Thread thread;

    @Override
    public void onApplicationEvent(ApplicationEnvironmentPreparedEvent event) {
        if (thread != null) {
            return;
        }
        Thread started = new Thread(NativeLibrariesPreload::load, "native-preload");
        // A daemon: it never holds up the JVM's exit (a failed start, run-once's end).
        started.setDaemon(true);
        thread = started;
        started.start();
    }

    /** After Spring Boot's own listeners, logging's among them. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    static void load() {
        try {
            // The models open first at start-up, so ONNX Runtime comes first.
            OrtEnvironment.getEnvironment();
        } catch (RuntimeException | LinkageError ex) {
            // ModelLoader loads it again and fails the start with its own message.
        }
        // Each answers false when its library is missing, and logs it itself.
        ReducedJpegDecoder.isAvailable();
        SubsampledPngDecoder.isAvailable();
        ScaledWebPDecoder.isAvailable();
        FaissLibrary.isAvailable();
    }
}
