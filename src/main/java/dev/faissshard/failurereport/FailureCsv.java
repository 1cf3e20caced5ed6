package dev.faissshard.failurereport;

import java.util.List;
import java.util.stream.Collectors;

/**
 * RFC 4180 CSV of failure rows. Catalogue text is hostile: a cell a spreadsheet would run as a
 * formula ({@code =}, {@code +}, {@code -}, {@code @}, tab, carriage return first) is prefixed with
 * {@code '}.
 */
final class FailureCsv {

    static final String HEADER = "id,url,reason,detail,attempts,last_seen\r\n";

    private FailureCsv() {}

    static String line(FailureRow row) {
        return List.of(
                        row.id(),
                        nullToEmpty(row.url()),
                        row.reason(),
                        nullToEmpty(row.detail()),
                        Integer.toString(row.attempts()),
                        row.lastSeen() == null ? "" : row.lastSeen().toString())
                .stream()
                .map(FailureCsv::cell)
                .collect(Collectors.joining(",", "", "\r\n"));
    }

    static String cell(String value) {
        String text = value;
        if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
            text = "'" + text;
        }
        if (text.indexOf(',') >= 0
                || text.indexOf('"') >= 0
                || text.indexOf('\n') >= 0
                || text.indexOf('\r') >= 0
                || text.startsWith("'")) {
            return '"' + text.replace("\"", "\"\"") + '"';
        }
        return text;
    }

    private static String nullToEmpty(String value) {
        return value == null ? "" : value;
    }
}
