package dev.faissshard.shard.faiss;

import dev.faissshard.failure.Causes;
import org.bytedeco.javacpp.Loader;

/**
 * Loads the JNI binding once and turns the usual failure (a missing BLAS, LAPACK or OpenMP runtime)
 * into one message that says what to install, instead of JavaCPP's "no jniFaissNative in
 * java.library.path" whose real cause hides several "Caused by" lines down.
 */
public final class FaissLibrary {

    private static final String RUNTIME_PACKAGES = "libgomp1 libblas3 liblapack3";

    private static volatile Throwable loadFailure;
    private static volatile boolean loaded;

    private FaissLibrary() {}

    /**
     * Loads the native library, or throws {@link FaissUnavailableException} naming what is missing.
     */
    public static synchronized void ensureLoaded() {
        if (loaded) {
            return;
        }
        if (loadFailure != null) {
            throw unavailable(loadFailure);
        }
        try {
            Loader.load(FaissNative.class);
            loaded = true;
        } catch (Throwable ex) {
            loadFailure = ex;
            throw unavailable(ex);
        }
    }

    /** Whether the library is loaded; tries to load it first. Never throws. */
    public static boolean isAvailable() {
        try {
            ensureLoaded();
            return true;
        } catch (FaissUnavailableException ex) {
            return false;
        }
    }

    /** The root cause of a failed load, or null. */
    public static String failureReason() {
        Throwable failure = loadFailure;
        return failure == null ? null : rootMessage(failure);
    }

    /** Caps FAISS's OpenMP threads; the service runs its own parallelism around FAISS calls. */
    public static void setThreads(int threads) {
        ensureLoaded();
        FaissNative.set_threads(threads);
    }

    private static FaissUnavailableException unavailable(Throwable cause) {
        return new FaissUnavailableException(
                "The FAISS native library could not be loaded ("
                        + rootMessage(cause)
                        + "). Install its runtime dependencies, e.g. 'apt-get install "
                        + RUNTIME_PACKAGES
                        + "' on Debian/Ubuntu, and run on linux-x86_64.",
                cause);
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = Causes.root(failure);
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
