package dev.faissshard.observability;

import dev.faissshard.job.JobView;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One progress line of a job, for people reading a worker's log: {@code Job 3f2a…: 1,234 / 10,000
 * (12.3%), 45.6 images/s, ETA 3 min 12 s, 3 failed (not_found 2, timeout 1)}, followed by {@code ,
 * STALLED: no progress since …} or {@code , WAITING for storage until …} when that is the case.
 */
record ProgressLine(
        String jobId,
        long done,
        Long total,
        Double imagesPerSecond,
        Long etaSeconds,
        long failed,
        Map<String, Long> failedByReason,
        Instant lastProgressAt,
        Instant stalledSince,
        Instant waitingUntil) {

    ProgressLine(
            String jobId,
            long done,
            Long total,
            Double imagesPerSecond,
            Long etaSeconds,
            long failed,
            Map<String, Long> failedByReason) {
        this(
                jobId,
                done,
                total,
                imagesPerSecond,
                etaSeconds,
                failed,
                failedByReason,
                null,
                null,
                null);
    }

    static ProgressLine of(JobView view) {
        long done = view.counts().embedded() + view.counts().failed() + view.counts().skipped();
        return new ProgressLine(
                view.id(),
                done,
                view.total(),
                view.imagesPerSecond(),
                view.etaSeconds(),
                view.counts().failed(),
                view.counts().failedByReason(),
                view.stalled() == null ? null : view.stalled().lastProgressAt(),
                view.stalled() == null ? null : view.stalled().since(),
                view.waiting() == null ? null : view.waiting().until());
    }

    String text() {
        StringBuilder line =
                new StringBuilder("Job ")
                        .append(jobId)
                        .append(": ")
                        .append(String.format(Locale.ROOT, "%,d", done));
        if (total != null) {
            line.append(
                    String.format(
                            Locale.ROOT,
                            " / %,d (%.1f%%)",
                            total,
                            total == 0 ? 100.0 : 100.0 * done / total));
        }
        line.append(", ")
                .append(
                        imagesPerSecond == null
                                ? "–"
                                : String.format(Locale.ROOT, "%.1f", imagesPerSecond))
                .append(" images/s");
        if (etaSeconds != null) {
            line.append(", ETA ").append(duration(etaSeconds));
        }
        line.append(", ").append(failed).append(" failed");
        if (!failedByReason.isEmpty()) {
            line.append(
                    failedByReason.entrySet().stream()
                            .map(e -> e.getKey() + " " + e.getValue())
                            .collect(Collectors.joining(", ", " (", ")")));
        }
        if (stalledSince != null) {
            line.append(", STALLED: no image finished and no batch committed since ")
                    .append(lastProgressAt);
        }
        if (waitingUntil != null) {
            line.append(", WAITING for storage to answer again (the job fails at ")
                    .append(waitingUntil)
                    .append(")");
        }
        return line.toString();
    }

    /** A text bar for a terminal: {@code [#######-------------] 35.0%}. */
    String bar(int width) {
        if (total == null || total == 0) {
            return "";
        }
        int filled = (int) Math.min(width, Math.round((double) width * done / total));
        return "["
                + "#".repeat(filled)
                + "-".repeat(width - filled)
                + "] "
                + String.format(Locale.ROOT, "%5.1f%%", 100.0 * done / total);
    }

    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = (seconds % 3600) / 60;
        long s = seconds % 60;
        return h > 0 ? h + " h " + m + " min" : m > 0 ? m + " min " + s + " s" : s + " s";
    }
}
