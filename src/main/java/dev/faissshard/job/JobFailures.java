package dev.faissshard.job;

import dev.faissshard.build.StorageOutageException;
import dev.faissshard.catalog.CatalogException;
import dev.faissshard.failure.Causes;
import dev.faissshard.index.CorruptProgressException;
import dev.faissshard.index.IndexIncompatibleException;
import dev.faissshard.lease.LeaseLostException;
import dev.faissshard.shard.faiss.FaissUnavailableException;
import dev.faissshard.storage.ObjectTooLargeException;
import dev.faissshard.storage.StorageAccessDeniedException;
import dev.faissshard.storage.StorageException;
import dev.faissshard.storage.StorageUnavailableException;
import dev.faissshard.supabase.SupabaseHttpException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;

/**
 * What a failed job shows as its last error, and what the log keeps of the failure. Only catalogue
 * exceptions carry messages that are content-free by construction ({@link CatalogException}); any
 * other message may quote a file, a remote body or a row (a parser's "unexpected token …", a
 * server's error text), so the job shows a fixed phrase for the failure's type and an error id, and
 * the log keeps the exception's types and stack frames under that id, without their messages.
 */
final class JobFailures {

    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,40}");

    private JobFailures() {}

    /** Logs the failure and returns the job's last error. */
    static String record(Logger log, String jobId, Throwable failure) {
        if (failure instanceof CatalogException catalog) {
            log.warn("Job {} failed: {}", jobId, catalog.getMessage());
            return catalog.getMessage();
        }
        String errorId = UUID.randomUUID().toString().substring(0, 8);
        log.error(
                "Job {} failed with {} (error id {}); messages left out, they may quote data",
                jobId,
                failure.getClass().getName(),
                errorId,
                redacted(failure));
        return phrase(failure)
                + remoteStatus(failure)
                + " ("
                + failure.getClass().getSimpleName()
                + ", error id "
                + errorId
                + "; details in the service log)";
    }

    /**
     * For a failure the Supabase API answered: its HTTP status and error code, which are a fixed
     * vocabulary, unlike the answer's message.
     */
    static String remoteStatus(Throwable failure) {
        return Causes.find(failure, SupabaseHttpException.class)
                .map(
                        http -> {
                            String code = http.body().code();
                            return ": Supabase "
                                    + (failure instanceof StorageException ? "Storage " : "")
                                    + "answered HTTP "
                                    + http.httpStatus()
                                    + (code != null && ERROR_CODE.matcher(code).matches()
                                            ? " " + code
                                            : "");
                        })
                .orElse("");
    }

    static String phrase(Throwable failure) {
        if (failure instanceof IndexIncompatibleException) {
            return "the index was built with another model or settings";
        }
        if (failure instanceof LeaseLostException) {
            return "the lease of the index was lost (another process may have taken it over); nothing more was written";
        }
        if (failure instanceof CorruptProgressException) {
            return "progress.json cannot be used";
        }
        if (failure instanceof StorageOutageException) {
            return "storage stayed unavailable for longer than fsb.storage.outage-timeout;"
                    + " progress.json names exactly what is stored, and the next job resumes from it";
        }
        if (failure instanceof StorageUnavailableException) {
            return "storage unavailable";
        }
        if (failure instanceof StorageAccessDeniedException) {
            return "storage refused access";
        }
        if (failure instanceof ObjectTooLargeException) {
            return "an object is larger than the storage accepts";
        }
        if (failure instanceof StorageException) {
            return "storage failed";
        }
        if (failure instanceof FaissUnavailableException) {
            return "FAISS is unavailable";
        }
        if (failure instanceof OutOfMemoryError) {
            return "out of memory";
        }
        return "internal error";
    }

    /** The same chain of types and stack frames, with every message left out. */
    static Throwable redacted(Throwable failure) {
        return redacted(failure, 0);
    }

    private static Throwable redacted(Throwable failure, int depth) {
        Throwable cause =
                failure.getCause() != null && failure.getCause() != failure && depth < 16
                        ? redacted(failure.getCause(), depth + 1)
                        : null;
        Throwable copy = new Redacted(failure.getClass().getName(), cause);
        copy.setStackTrace(failure.getStackTrace());
        return copy;
    }

    /** Stands in for an exception in the log: its type, no message. */
    private static final class Redacted extends RuntimeException {

        private final String type;

        Redacted(String type, Throwable cause) {
            super(null, cause, false, true);
            this.type = type;
        }

        @Override
        public String toString() {
            return type;
        }
    }
}
