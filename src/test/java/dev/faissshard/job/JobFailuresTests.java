package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.catalog.CatalogFormatException;
import dev.faissshard.index.CorruptProgressException;
import dev.faissshard.storage.StorageUnavailableException;
import dev.faissshard.supabase.SupabaseErrorBody;
import dev.faissshard.supabase.SupabaseHttpException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.helpers.NOPLogger;

/** A failed job's last error and log entry never carry a message that may quote data. */
class JobFailuresTests {

    private static final String SECRET = "SUPABASE_KEY=eyJsecret";

    @Test
    void catalogueMessagesAreShownAsTheyAre() {
        CatalogFormatException failure = new CatalogFormatException("catalog.csv line 3: empty id");
        assertThat(JobFailures.record(NOPLogger.NOP_LOGGER, "job", failure))
                .isEqualTo("catalog.csv line 3: empty id");
    }

    @Test
    void anyOtherMessageIsReplacedByAPhraseTheTypeAndAnErrorId() {
        RuntimeException parser =
                new IllegalStateException(
                        "Unrecognized token '" + SECRET + "'",
                        new UncheckedIOException(new IOException(SECRET)));
        String lastError = JobFailures.record(NOPLogger.NOP_LOGGER, "job", parser);
        assertThat(lastError)
                .startsWith("internal error (IllegalStateException, error id ")
                .doesNotContain(SECRET);
        assertThat(
                        JobFailures.record(
                                NOPLogger.NOP_LOGGER,
                                "job",
                                new CorruptProgressException(SECRET, null)))
                .startsWith("progress.json cannot be used")
                .doesNotContain(SECRET);
        assertThat(JobFailures.record(NOPLogger.NOP_LOGGER, "job", new OutOfMemoryError(SECRET)))
                .startsWith("out of memory")
                .doesNotContain(SECRET);
    }

    @Test
    void supabaseFailuresKeepTheirStatusAndCodeButNotTheirMessage() {
        SupabaseHttpException http =
                new SupabaseHttpException(
                        "upsert progress.json",
                        500,
                        new SupabaseErrorBody(SECRET, "InternalError", java.util.Optional.empty()),
                        Duration.ZERO);
        String lastError =
                JobFailures.record(
                        NOPLogger.NOP_LOGGER,
                        "job",
                        new StorageUnavailableException(
                                "Supabase Storage: " + http.getMessage(), http));
        assertThat(lastError)
                .startsWith("storage unavailable: Supabase Storage answered HTTP 500 InternalError")
                .doesNotContain(SECRET);
        SupabaseHttpException odd =
                new SupabaseHttpException(
                        "x",
                        502,
                        new SupabaseErrorBody("m", "<html>" + SECRET, java.util.Optional.empty()),
                        Duration.ZERO);
        assertThat(JobFailures.remoteStatus(odd)).isEqualTo(": Supabase answered HTTP 502");
    }

    @Test
    void theLoggedChainKeepsTypesAndFramesWithoutMessages() {
        RuntimeException failure = new IllegalStateException(SECRET, new IOException(SECRET));
        StringWriter printed = new StringWriter();
        JobFailures.redacted(failure).printStackTrace(new PrintWriter(printed));
        assertThat(printed.toString())
                .doesNotContain(SECRET)
                .contains("java.lang.IllegalStateException")
                .contains("Caused by: java.io.IOException")
                .contains("JobFailuresTests");
    }
}
