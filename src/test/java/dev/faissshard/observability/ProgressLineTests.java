package dev.faissshard.observability;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProgressLineTests {

    @Test
    void aLineSaysDoneOfTotalRateEtaAndFailuresByReason() {
        Map<String, Long> reasons = new TreeMap<>(Map.of("not_found", 2L, "timeout", 1L));
        ProgressLine line = new ProgressLine("job-1", 1234, 10_000L, 45.61, 192L, 3, reasons);
        assertThat(line.text())
                .isEqualTo(
                        "Job job-1: 1,234 / 10,000 (12.3%), 45.6 images/s, ETA 3 min 12 s, 3 failed (not_found 2, timeout 1)");
    }

    @Test
    void withoutTotalOrRateTheLineSaysWhatIsKnown() {
        ProgressLine line = new ProgressLine("job-2", 17, null, null, null, 0, Map.of());
        assertThat(line.text()).isEqualTo("Job job-2: 17, – images/s, 0 failed");
        assertThat(line.bar(10)).isEmpty();
    }

    @Test
    void aStalledOrWaitingJobSaysSo() {
        ProgressLine stalled =
                new ProgressLine(
                        "job-5",
                        40,
                        100L,
                        2.0,
                        30L,
                        0,
                        Map.of(),
                        java.time.Instant.parse("2026-12-01T10:00:00Z"),
                        java.time.Instant.parse("2026-12-01T10:05:00Z"),
                        null);
        assertThat(stalled.text())
                .endsWith(
                        ", STALLED: no image finished and no batch committed since 2026-12-01T10:00:00Z");
        ProgressLine waiting =
                new ProgressLine(
                        "job-6",
                        40,
                        null,
                        2.0,
                        null,
                        0,
                        Map.of(),
                        null,
                        null,
                        java.time.Instant.parse("2026-12-01T10:10:00Z"));
        assertThat(waiting.text())
                .isEqualTo(
                        "Job job-6: 40, 2.0 images/s, 0 failed, WAITING for storage to answer again"
                                + " (the job fails at 2026-12-01T10:10:00Z)");
    }

    @Test
    void longEtasAreInHoursAndMinutes() {
        assertThat(ProgressLine.duration(3 * 3600 + 25 * 60 + 9)).isEqualTo("3 h 25 min");
        assertThat(ProgressLine.duration(59)).isEqualTo("59 s");
    }

    @Test
    void theBarFillsInProportion() {
        ProgressLine line = new ProgressLine("job-3", 25, 100L, 1.0, 75L, 0, Map.of());
        assertThat(line.bar(20)).isEqualTo("[#####---------------]  25.0%");
        assertThat(new ProgressLine("job-4", 100, 100L, 1.0, 0L, 0, Map.of()).bar(4))
                .isEqualTo("[####] 100.0%");
    }
}
