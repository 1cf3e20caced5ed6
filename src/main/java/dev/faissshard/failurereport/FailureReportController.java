package dev.faissshard.failurereport;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.Progress;
import dev.faissshard.index.ProgressStore;
import dev.faissshard.job.JobService;
import dev.faissshard.storage.StorageClient;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code GET /jobs/{id}/failures}: the images of the job's index that could not be embedded, from
 * its {@code progress.json} (so failures of earlier jobs on the same index are listed too, with how
 * many jobs tried them), ordered by catalogue id, as JSON lines or CSV, a page at a time.
 */
@RestController
class FailureReportController {

    static final MediaType JSON_LINES = MediaType.parseMediaType("application/x-ndjson");
    static final MediaType CSV = MediaType.parseMediaType("text/csv;charset=UTF-8");
    static final int MAX_LIMIT = 10_000;

    private final JobService jobs;
    private final ProgressStore progress;
    private final StorageClient storage;
    private final JsonMapper json;

    FailureReportController(
            JobService jobs, ProgressStore progress, StorageClient storage, JsonMapper json) {
        this.jobs = jobs;
        this.progress = progress;
        this.storage = storage;
        this.json = json;
    }

    /**
     * @param format {@code jsonl} (default) or {@code csv}
     * @param offset rows to skip
     * @param limit rows at most (1 to {@value #MAX_LIMIT})
     * @param reason only these reasons (repeatable or comma-separated)
     */
    @GetMapping("/jobs/{id}/failures")
    ResponseEntity<String> failures(
            @PathVariable String id,
            @RequestParam(defaultValue = "jsonl") String format,
            @RequestParam(defaultValue = "0") long offset,
            @RequestParam(defaultValue = "1000") int limit,
            @RequestParam(required = false) List<String> reason) {
        boolean csv =
                switch (format.toLowerCase(Locale.ROOT)) {
                    case "jsonl" -> false;
                    case "csv" -> true;
                    default -> throw new IllegalArgumentException("format must be jsonl or csv");
                };
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative");
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT);
        }
        Set<String> reasons =
                reason == null
                        ? Set.of()
                        : reason.stream()
                                .flatMap(r -> List.of(r.split(",")).stream())
                                .map(String::trim)
                                .filter(r -> !r.isEmpty())
                                .map(FailureReportController::reasonKey)
                                .collect(Collectors.toSet());

        Progress stored = progress.load(jobs.layoutOf(id), storage).orElse(Progress.empty());
        List<FailureRow> matching =
                stored.failures().entrySet().stream()
                        .map(FailureRow::of)
                        .filter(row -> reasons.isEmpty() || reasons.contains(row.reason()))
                        .sorted(Comparator.comparing(FailureRow::id))
                        .toList();
        List<FailureRow> page = matching.stream().skip(offset).limit(limit).toList();

        StringBuilder body = new StringBuilder(csv ? FailureCsv.HEADER : "");
        for (FailureRow row : page) {
            body.append(csv ? FailureCsv.line(row) : json.writeValueAsString(row) + "\n");
        }
        ResponseEntity.BodyBuilder response =
                ResponseEntity.ok()
                        .contentType(csv ? CSV : JSON_LINES)
                        .header("X-Total-Count", Long.toString(matching.size()));
        if (offset + page.size() < matching.size()) {
            response.header(
                    HttpHeaders.LINK,
                    "<"
                            + nextPage(id, format, offset + page.size(), limit, reasons)
                            + ">; rel=\"next\"");
        }
        return response.body(body.toString());
    }

    private static String reasonKey(String given) {
        for (FailureReason known : FailureReason.values()) {
            if (known.key().equalsIgnoreCase(given)) {
                return known.key();
            }
        }
        throw new IllegalArgumentException(
                "reason must be one of the failure reasons of the README");
    }

    private static String nextPage(
            String id, String format, long offset, int limit, Set<String> reasons) {
        // The id was found as a job, so it is one the service generated; the reasons are known
        // keys.
        String query =
                "format="
                        + (format.equalsIgnoreCase("csv") ? "csv" : "jsonl")
                        + "&offset="
                        + offset
                        + "&limit="
                        + limit
                        + reasons.stream()
                                .sorted()
                                .map(r -> "&reason=" + r)
                                .collect(Collectors.joining());
        return "/jobs/" + id + "/failures?" + query;
    }
}
