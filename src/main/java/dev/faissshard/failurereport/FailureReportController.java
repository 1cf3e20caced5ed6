package dev.faissshard.failurereport;

import dev.faissshard.api.ProblemTypes;
import dev.faissshard.failure.FailureReason;
import dev.faissshard.index.IndexPrefix;
import dev.faissshard.job.JobProperties;
import dev.faissshard.job.JobService;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The images of an index that could not be embedded, from its stored {@code progress.json} (so
 * failures of earlier jobs on the same index are listed too, with how many jobs tried them),
 * ordered by catalogue id, as JSON lines or CSV, a page at a time: {@code GET /jobs/{id}/failures}
 * for a job's index, {@code GET /failures?prefix=…} for any index in storage, partitioned ones
 * across their partitions.
 */
@RestController
class FailureReportController {

    static final MediaType JSON_LINES = MediaType.parseMediaType("application/x-ndjson");
    static final MediaType CSV = MediaType.parseMediaType("text/csv;charset=UTF-8");
    static final int MAX_LIMIT = 10_000;

    private final JobService jobs;
    private final IndexFailures failures;
    private final JobProperties properties;
    private final JsonMapper json;

    FailureReportController(
            JobService jobs, IndexFailures failures, JobProperties properties, JsonMapper json) {
        this.jobs = jobs;
        this.failures = failures;
        this.properties = properties;
        this.json = json;
    }

    /** No progress and no partitions file at the requested prefix. */
    static final class NoIndexException extends RuntimeException {
        NoIndexException() {
            super("Storage holds no index progress at the requested prefix");
        }
    }

    /**
     * @param format {@code jsonl} (default) or {@code csv}
     * @param offset rows to skip
     * @param limit rows at most (1 to {@value #MAX_LIMIT})
     * @param reason only these reasons (repeatable or comma-separated)
     */
    @GetMapping("/jobs/{id}/failures")
    ResponseEntity<String> jobFailures(
            @PathVariable String id,
            @RequestParam(defaultValue = "jsonl") String format,
            @RequestParam(defaultValue = "0") long offset,
            @RequestParam(defaultValue = "1000") int limit,
            @RequestParam(required = false) List<String> reason) {
        Page page = Page.of(format, offset, limit, reason);
        // The id was found as a job, so it is one the service generated.
        return answer(failures.of(jobs.layoutOf(id)), page, "/jobs/" + id + "/failures?");
    }

    /**
     * @param prefix the index's prefix (default: {@code fsb.job.prefix}; {@code ""} for the storage
     *     root); a partitioned build's prefix reports every partition
     * @param format {@code jsonl} (default) or {@code csv}
     * @param offset rows to skip
     * @param limit rows at most (1 to {@value #MAX_LIMIT})
     * @param reason only these reasons (repeatable or comma-separated)
     */
    @GetMapping("/failures")
    ResponseEntity<String> indexFailures(
            @RequestParam(required = false) String prefix,
            @RequestParam(defaultValue = "jsonl") String format,
            @RequestParam(defaultValue = "0") long offset,
            @RequestParam(defaultValue = "1000") int limit,
            @RequestParam(required = false) List<String> reason) {
        String given = prefix == null ? properties.prefix() : prefix;
        IndexPrefix.violation(given)
                .ifPresent(
                        violation -> {
                            throw new IllegalArgumentException("prefix " + violation);
                        });
        String normal = strip(given);
        Page page = Page.of(format, offset, limit, reason);
        List<FailureRow> rows = failures.atPrefix(normal).orElseThrow(NoIndexException::new);
        // The prefix passed the prefix rules (letters, digits and a few marks), so it is safe in a
        // URL.
        return answer(rows, page, "/failures?prefix=" + normal + "&");
    }

    @ExceptionHandler(NoIndexException.class)
    ProblemDetail noIndex(NoIndexException ex) {
        ProblemDetail problem =
                ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, ex.getMessage());
        problem.setType(ProblemTypes.of("index-not-found"));
        problem.setTitle("No index at this prefix");
        return problem;
    }

    private ResponseEntity<String> answer(List<FailureRow> all, Page page, String nextBase) {
        List<FailureRow> matching =
                all.stream()
                        .filter(
                                row ->
                                        page.reasons().isEmpty()
                                                || page.reasons().contains(row.reason()))
                        .sorted(Comparator.comparing(FailureRow::id))
                        .toList();
        List<FailureRow> rows = matching.stream().skip(page.offset()).limit(page.limit()).toList();
        StringBuilder body = new StringBuilder(page.csv() ? FailureCsv.HEADER : "");
        for (FailureRow row : rows) {
            body.append(page.csv() ? FailureCsv.line(row) : json.writeValueAsString(row) + "\n");
        }
        ResponseEntity.BodyBuilder response =
                ResponseEntity.ok()
                        .contentType(page.csv() ? CSV : JSON_LINES)
                        .header("X-Total-Count", Long.toString(matching.size()));
        if (page.offset() + rows.size() < matching.size()) {
            response.header(
                    HttpHeaders.LINK,
                    "<" + nextBase + page.next(rows.size()).query() + ">; rel=\"next\"");
        }
        return response.body(body.toString());
    }

    private static String strip(String prefix) {
        String trimmed = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        return trimmed.startsWith("/") ? trimmed.substring(1) : trimmed;
    }

    /** The page a request asks for, checked. */
    record Page(boolean csv, long offset, int limit, Set<String> reasons) {

        static Page of(String format, long offset, int limit, List<String> reason) {
            boolean csv =
                    switch (format.toLowerCase(Locale.ROOT)) {
                        case "jsonl" -> false;
                        case "csv" -> true;
                        default ->
                                throw new IllegalArgumentException("format must be jsonl or csv");
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
                                    .map(Page::reasonKey)
                                    .collect(Collectors.toSet());
            return new Page(csv, offset, limit, reasons);
        }

        Page next(int shown) {
            return new Page(csv, offset + shown, limit, reasons);
        }

        /** The query of this page; the reasons are known keys. */
        String query() {
            return "format="
                    + (csv ? "csv" : "jsonl")
                    + "&offset="
                    + offset
                    + "&limit="
                    + limit
                    + reasons.stream()
                            .sorted()
                            .map(r -> "&reason=" + r)
                            .collect(Collectors.joining());
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
    }
}
