package dev.faissshard.failurereport;

import dev.faissshard.index.FailureRecord;
import java.time.Instant;
import java.util.Map;

/**
 * One line of a failure report.
 *
 * @param id catalogue id
 * @param url the image URL that failed
 * @param reason typed failure reason ({@code not_found}, {@code timeout}, …)
 * @param detail status code, limit or kind of content; never the text of a body or file
 * @param attempts how many jobs tried it
 * @param lastSeen when the last try failed
 */
record FailureRow(
        String id, String url, String reason, String detail, int attempts, Instant lastSeen) {

    static FailureRow of(Map.Entry<String, FailureRecord> failure) {
        FailureRecord record = failure.getValue();
        return new FailureRow(
                failure.getKey(),
                record.url(),
                record.reason().key(),
                record.detail(),
                record.attempts(),
                record.lastAttempt());
    }
}
