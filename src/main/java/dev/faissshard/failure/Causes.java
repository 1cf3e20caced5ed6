package dev.faissshard.failure;

import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Walking a failure's cause chain, written once. Every walk is bounded: a chain may loop (a cause
 * set to itself, or a cycle through wrappers), and a loop must not hang the thread that reports the
 * failure.
 */
public final class Causes {

    /** Deeper than any real chain; a walk stops here instead of following a cycle forever. */
    private static final int MAX_DEPTH = 32;

    private Causes() {}

    /** The first throwable of {@code type} in the chain, {@code failure} itself included. */
    public static <T extends Throwable> Optional<T> find(Throwable failure, Class<T> type) {
        Throwable cause = failure;
        for (int depth = 0; cause != null && depth < MAX_DEPTH; depth++) {
            if (type.isInstance(cause)) {
                return Optional.of(type.cast(cause));
            }
            cause = next(cause);
        }
        return Optional.empty();
    }

    /** Whether the chain holds a throwable of any of {@code types}. */
    @SafeVarargs
    public static boolean contains(Throwable failure, Class<? extends Throwable>... types) {
        for (Class<? extends Throwable> type : types) {
            if (find(failure, type).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** The innermost cause: the one that names what really went wrong. */
    public static Throwable root(Throwable failure) {
        Throwable root = failure;
        for (int depth = 0; depth < MAX_DEPTH; depth++) {
            Throwable cause = next(root);
            if (cause == null) {
                break;
            }
            root = cause;
        }
        return root;
    }

    /**
     * What a future's failure really was, without the {@link CompletionException} / {@link
     * ExecutionException} around it.
     */
    public static Throwable unwrapped(Throwable failure) {
        Throwable cause = failure;
        for (int depth = 0;
                depth < MAX_DEPTH
                        && (cause instanceof CompletionException
                                || cause instanceof ExecutionException);
                depth++) {
            Throwable inner = next(cause);
            if (inner == null) {
                break;
            }
            cause = inner;
        }
        return cause;
    }

    /**
     * What to throw for a task that failed on another thread: its own unchecked failure as it was,
     * so that callers catch the types they mean; anything checked wrapped with {@code whatFailed}.
     * An {@link Error} is thrown from here.
     */
    public static RuntimeException unchecked(ExecutionException failure, String whatFailed) {
        Throwable cause = next(failure);
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(whatFailed, cause == null ? failure : cause);
    }

    private static Throwable next(Throwable failure) {
        Throwable cause = failure.getCause();
        return cause == failure ? null : cause;
    }
}
