package dev.faissshard.shard.faiss;

import dev.faissshard.failure.Causes;
import dev.faissshard.jni.NativeLibrary;

/**
 * Loads the JNI binding once and turns the usual failure (a missing BLAS, LAPACK or OpenMP runtime)
 * into one message that says what to install, instead of JavaCPP's "no jniFaissNative in
 * java.library.path" whose real cause hides several "Caused by" lines down.
 */
public final class FaissLibrary {

    private static final String RUNTIME_PACKAGES = "libgomp1 libblas3 liblapack3";

    // The failure is not logged here: every caller gets it as a FaissUnavailableException.
    private static final NativeLibrary LIBRARY =
            new NativeLibrary(FaissNative.class, failure -> {});

    private FaissLibrary() {}

    /**
     * Loads the native library, or throws {@link FaissUnavailableException} naming what is missing.
     */
    public static void ensureLoaded() {
        if (!LIBRARY.isLoaded()) {
            throw unavailable(LIBRARY.failure().orElseThrow());
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
        return LIBRARY.failure().map(FaissLibrary::rootMessage).orElse(null);
    }

    /**
     * OpenMP's thread count is a per-thread setting ({@code omp_set_num_threads} sets the calling
     * thread's), and every other thread starts with one OpenMP thread per core: so the process
     * default is kept here and applied to each thread at its first FAISS call (see {@link
     * #applyThreads}), instead of only to the thread that happened to configure it.
     */
    private static volatile int defaultThreads;

    /** The count applied to this thread, and whether the thread chose it itself. */
    private static final ThreadLocal<int[]> applied = ThreadLocal.withInitial(() -> new int[2]);

    /**
     * Caps the OpenMP threads of every FAISS call made on a thread that did not choose its own
     * count with {@link #setThreads}; the service runs its own parallelism around FAISS calls.
     */
    public static void setDefaultThreads(int threads) {
        requirePositive(threads);
        ensureLoaded();
        defaultThreads = threads;
        applyThreads();
    }

    /**
     * Caps the OpenMP threads of the FAISS calls made on the current thread (a search thread), over
     * the process default.
     */
    public static void setThreads(int threads) {
        requirePositive(threads);
        ensureLoaded();
        FaissNative.set_threads(threads);
        int[] state = applied.get();
        state[0] = threads;
        state[1] = 1;
    }

    /** The OpenMP threads a FAISS call on the current thread would use now. */
    public static int threadsOfCurrentThread() {
        ensureLoaded();
        return FaissNative.max_threads();
    }

    /** Called before every FAISS call: applies the process default once per thread. */
    static void applyThreads() {
        int threads = defaultThreads;
        int[] state = applied.get();
        if (threads > 0 && state[1] == 0 && state[0] != threads) {
            FaissNative.set_threads(threads);
            state[0] = threads;
        }
    }

    private static void requirePositive(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("FAISS threads must be at least 1: " + threads);
        }
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
