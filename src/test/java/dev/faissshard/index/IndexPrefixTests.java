package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IndexPrefixTests {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "shop",
                "shop-a/v2",
                "shop-a/v2/",
                "a.b/c_d/E-9",
                "faissy/open",
                "my-faiss",
                "x/open",
                "partition/part-1",
                "part-x-of-2",
                "progress"
            })
    void acceptsPlainPrefixes(String prefix) {
        assertThat(IndexPrefix.violation(prefix)).isEmpty();
        assertThat(IndexLayout.at(prefix).prefix()).isEqualTo(prefix.replaceAll("/$", ""));
    }

    @Test
    void nullMeansTheRoot() {
        assertThat(IndexPrefix.violation(null)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "faiss",
                "faiss/open",
                "faiss/open/victim",
                "shop/faiss",
                "shop/FAISS/x",
                "progress.json",
                "shop/progress.json",
                "shop/Progress.JSON/x"
            })
    void refusesPrefixesInsideAnotherIndexsReservedNames(String prefix) {
        assertThat(IndexPrefix.violation(prefix))
                .get()
                .asString()
                .contains("faiss")
                .contains("progress.json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"part-0-of-2", "shop/part-1-of-2", "shop/part-12-of-40/x"})
    void refusesNamingAPartitionsFolder(String prefix) {
        assertThat(IndexPrefix.violation(prefix)).get().asString().contains("partition");
    }

    @Test
    void aLayoutMayEndInThePartitionFolderItsPartitionAppends() {
        assertThat(IndexLayout.at("shop/part-1-of-2").progressKey())
                .isEqualTo("shop/part-1-of-2/progress.json");
        assertThat(IndexPrefix.layoutViolation("shop/part-1-of-2/x")).isPresent();
        assertThat(IndexPrefix.layoutViolation("faiss/part-1-of-2")).isPresent();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "..", "../up", "a/../b", "a/./b", ".", "a/..", "a..b", "/lead", "a//b", "a b",
                "a/b//", "é", "a\\b", "a/b\n", "a:b"
            })
    void refusesEscapesEmptySegmentsAndOddCharacters(String prefix) {
        assertThat(IndexPrefix.violation(prefix)).as(prefix).isPresent();
    }

    @Test
    void limitsSegmentsTo255Characters() {
        assertThat(IndexPrefix.violation("a".repeat(255))).isEmpty();
        assertThat(IndexPrefix.violation("x/" + "a".repeat(256))).get().asString().contains("255");
    }

    @Test
    void limitsPrefixesTo512Characters() {
        String longest = ("a".repeat(127) + "/").repeat(3) + "a".repeat(128);
        assertThat(longest).hasSize(512);
        assertThat(IndexPrefix.violation(longest)).isEmpty();
        assertThat(IndexPrefix.violation(longest + "/")).isEmpty();
        assertThat(IndexPrefix.violation(longest + "b")).get().asString().contains("512");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void hostileLengthsAreRefusedWithoutRecursionOrQuadraticWork() {
        // 8 KB of "a/" overflowed the stack of the old regular expression; 10 MB cost 15.8 s of
        // CPU.
        String repeated = "a/".repeat(4096);
        String huge = "a/".repeat(5 * 1024 * 1024);
        String hugeWithinTheLimitUntilTheEnd = "a".repeat(255) + "/" + "b".repeat(10 * 1024 * 1024);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu = threads.getCurrentThreadCpuTime();
        for (int i = 0; i < 100; i++) {
            assertThat(IndexPrefix.violation(huge)).isPresent();
            assertThat(IndexPrefix.violation(hugeWithinTheLimitUntilTheEnd)).isPresent();
        }
        // CPU time of this thread, not wall time, so a busy machine does not matter: a hundred
        // checks of
        // 10 MB each took 15.8 s apiece with the old expression, and take microseconds now.
        assertThat(TimeUnit.NANOSECONDS.toMillis(threads.getCurrentThreadCpuTime() - cpu))
                .isLessThan(2000);
        assertThat(IndexPrefix.violation(repeated)).get().asString().contains("512");
        assertThat(IndexPrefix.violation(huge)).get().asString().contains("512");
        assertThat(IndexPrefix.violation("a".repeat(10 * 1024 * 1024))).isPresent();
        assertThat(catchInvalid(huge)).contains("512").hasSizeLessThan(100);
    }

    @Test
    void reasonsNeverQuoteThePrefix() {
        assertThat(IndexPrefix.violation("secret-value/.."))
                .get()
                .asString()
                .doesNotContain("secret-value");
        assertThat(catchInvalid("secret-value/faiss")).doesNotContain("secret-value");
    }

    private static String catchInvalid(String prefix) {
        try {
            IndexLayout.at(prefix);
        } catch (InvalidPrefixException ex) {
            return ex.getMessage();
        }
        throw new AssertionError("accepted");
    }
}
