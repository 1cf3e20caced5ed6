package dev.faissshard.catalog;

import java.util.regex.Pattern;

/**
 * Table and column names from configuration or a job request. Only plain identifiers (optionally
 * schema-qualified) are accepted, so they can be quoted into SQL and PostgREST paths without
 * injection.
 */
final class TableNames {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]{0,62}");

    private TableNames() {}

    static String checkTable(String table) {
        String[] parts = table.strip().split("\\.", -1);
        if (parts.length > 2) {
            throw new CatalogNotFoundException(
                    "Table name '" + table + "' must be <table> or <schema>.<table>");
        }
        for (String part : parts) {
            checkColumn(part, "Table name '" + table + "'");
        }
        return table.strip();
    }

    static String checkColumn(String name, String what) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new CatalogNotFoundException(
                    what
                            + " must be a plain identifier (letters, digits, '_'), was '"
                            + name
                            + "'");
        }
        return name;
    }

    /** {@code "schema"."table"} for SQL. */
    static String quoted(String table) {
        StringBuilder sql = new StringBuilder();
        for (String part : table.split("\\.")) {
            if (!sql.isEmpty()) {
                sql.append('.');
            }
            sql.append('"').append(part).append('"');
        }
        return sql.toString();
    }
}
