package dev.faissshard.system;

import ai.onnxruntime.OrtEnvironment;
import dev.faissshard.image.jpeg.ReducedJpegDecoder;
import dev.faissshard.image.png.SubsampledPngDecoder;
import dev.faissshard.image.webp.ScaledWebPDecoder;
import dev.faissshard.shard.faiss.FaissLibrary;

/**
 * Loads the native libraries (ONNX Runtime, FAISS, the image decoders) on a thread of their own
 * while Spring starts on the main thread. Extracting and linking them is a good part of start-up
 * and needs nothing from the application context, so on a machine with a second core it overlaps
 * with Spring instead of adding to it. Every loader is idempotent and synchronized: a bean that
 * needs a library before the preload reached it waits for it, or loads it itself, and a library
 * that fails to load fails there, with its usual message, exactly as without the preload.
 */
public final class NativePreload {

    private NativePreload() {}

    /** Starts the preload; must run after {@link NativeMemoryLimits#applyDefaults()}. */
    public static Thread start() {
        Thread thread = new Thread(NativePreload::load, "native-preload");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    static void load() {
        try {
            OrtEnvironment.getEnvironment();
        } catch (RuntimeException | LinkageError ex) {
            // The embedding configuration reports it when it opens the models.
        }
        FaissLibrary.isAvailable();
        ReducedJpegDecoder.isAvailable();
        SubsampledPngDecoder.isAvailable();
        ScaledWebPDecoder.isAvailable();
    }
}
