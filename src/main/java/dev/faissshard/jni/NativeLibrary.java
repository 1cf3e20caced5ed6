package dev.faissshard.jni;

import java.util.Optional;
import java.util.function.Consumer;
import org.bytedeco.javacpp.Loader;

/**
 * One JavaCPP binding, loaded at most once per process. The first caller tries; every later caller
 * gets the same answer without trying again: a library that failed to load (missing from the
 * machine, or one of its dependencies missing) stays failed, so a hot path asking "is it there?"
 * per image costs a volatile read, not a repeated search of {@code java.library.path}.
 *
 * <p>Thread-safe: concurrent first callers load once, and all see the outcome.
 */
public final class NativeLibrary {

    private final Class<?> binding;
    private final Consumer<Throwable> onFailure;
    private volatile boolean loaded;
    private volatile Throwable failure;

    /**
     * @param binding the JavaCPP class whose {@code @Platform} names the library
     * @param onFailure told once, with the failure, when the load fails (to log what to install)
     */
    public NativeLibrary(Class<?> binding, Consumer<Throwable> onFailure) {
        this.binding = binding;
        this.onFailure = onFailure;
    }

    /** Whether the library is loaded, loading it on the first call. Never throws. */
    public boolean isLoaded() {
        if (loaded) {
            return true;
        }
        if (failure != null) {
            return false;
        }
        return loadOnce();
    }

    /** Why the load failed, if it was tried and failed; does not try. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private synchronized boolean loadOnce() {
        if (loaded || failure != null) {
            return loaded;
        }
        try {
            Loader.load(binding);
            loaded = true;
        } catch (Throwable ex) {
            // Linkage errors are what a missing library looks like: they must become an answer,
            // not escape to a caller that only asked whether it is there.
            failure = ex;
            onFailure.accept(ex);
        }
        return loaded;
    }
}
