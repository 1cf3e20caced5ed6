package dev.faissshard.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The images table read straight from PostgreSQL, in id order, through a server-side cursor
 * (autocommit off plus a fetch size makes the driver fetch that many rows per round trip instead of
 * the whole result), so memory stays flat however large the table is.
 */
final class PostgresCatalog implements Catalog {

    private final PostgresConnection connection;
    private final PostgresCatalogProperties properties;
    private final String table;

    PostgresCatalog(
            PostgresConnection connection, PostgresCatalogProperties properties, String table) {
        this.connection = connection;
        this.properties = properties;
        this.table = TableNames.checkTable(table);
    }

    /**
     * Fails with a clear message now, rather than at the job's first batch, if the table or columns
     * are wrong.
     */
    PostgresCatalog verified() {
        try (Connection db = connection.open();
                Statement statement = db.createStatement()) {
            statement.executeQuery(query(true)).close();
            return this;
        } catch (SQLException ex) {
            throw translate("cannot read", ex);
        }
    }

    @Override
    public Stream<CatalogEntry> entries() {
        Connection db = null;
        try {
            db = connection.open();
            db.setAutoCommit(false);
            db.setReadOnly(true);
            PreparedStatement statement =
                    db.prepareStatement(
                            query(false), ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_READ_ONLY);
            statement.setFetchSize(properties.fetchSize());
            ResultSet rows = statement.executeQuery();
            Connection open = db;
            return StreamSupport.stream(new Rows(rows), false)
                    .onClose(() -> close(open, statement, rows));
        } catch (SQLException ex) {
            if (db != null) {
                try {
                    db.close();
                } catch (SQLException ignored) {
                    // the original failure is the one worth reporting
                }
            }
            throw translate("cannot read", ex);
        }
    }

    @Override
    public OptionalLong size() {
        String sql = "SELECT count(*) FROM " + TableNames.quoted(table) + where();
        try (Connection db = connection.open();
                Statement statement = db.createStatement();
                ResultSet count = statement.executeQuery(sql)) {
            return count.next() ? OptionalLong.of(count.getLong(1)) : OptionalLong.empty();
        } catch (SQLException ex) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String description() {
        return connection.description() + " table " + table;
    }

    /**
     * By key: the id goes as a parameter of unspecified type, so that PostgreSQL casts it to the
     * column's own type (bigint, uuid, text) and can use the primary key's index. An id that is no
     * value of that type (22P02) is no row.
     */
    @Override
    public Optional<CatalogEntry> find(String id) {
        String sql =
                "SELECT t.\""
                        + properties.idColumn()
                        + "\"::text, t.\""
                        + properties.urlColumn()
                        + "\"::text FROM "
                        + TableNames.quoted(table)
                        + " AS t WHERE t.\""
                        + properties.idColumn()
                        + "\" = ?"
                        + (properties.filter().isBlank()
                                ? ""
                                : " AND (" + properties.filter() + ")")
                        + " LIMIT 1";
        try (Connection db = connection.open();
                PreparedStatement statement = db.prepareStatement(sql)) {
            db.setReadOnly(true);
            statement.setObject(1, id, Types.OTHER);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(entry(rows, 1)) : Optional.empty();
            }
        } catch (SQLException ex) {
            if ("22P02".equals(ex.getSQLState())) {
                return Optional.empty();
            }
            throw translate("cannot look up an id", ex);
        }
    }

    private String query(boolean probe) {
        // Qualified, so that ORDER BY sorts by the column's own type (bigint, uuid), not by the
        // text it is cast to.
        String id = "t.\"" + properties.idColumn() + '"';
        String url = "t.\"" + properties.urlColumn() + '"';
        return "SELECT "
                + id
                + "::text, "
                + url
                + "::text FROM "
                + TableNames.quoted(table)
                + " AS t"
                + where()
                + " ORDER BY "
                + id
                + (probe ? " LIMIT 0" : "");
    }

    private String where() {
        return properties.filter().isBlank() ? "" : " WHERE (" + properties.filter() + ")";
    }

    private CatalogEntry entry(ResultSet rows, long number) throws SQLException {
        String id = rows.getString(1);
        String url = rows.getString(2);
        // Rows are named by their position in the read, never by their values.
        if (id == null || id.isBlank()) {
            throw new CatalogFormatException(
                    description() + " row " + number + ": empty " + properties.idColumn());
        }
        if (url == null || url.isBlank()) {
            throw new CatalogFormatException(
                    description() + " row " + number + ": empty " + properties.urlColumn());
        }
        // A malformed URL fails its row alone (invalid_url), not the job.
        return new CatalogEntry(id, ImageUrls.absolute(url));
    }

    /**
     * The one place where SQL failures become catalogue exceptions, by SQLSTATE only: the server's
     * message may quote values (a filter's literal, a row's text) and is left out, cause included.
     */
    private RuntimeException translate(String what, SQLException ex) {
        String state = ex.getSQLState() == null ? "" : ex.getSQLState();
        String prefix = description() + ": " + what + ": ";
        String reason =
                switch (state) {
                    case "42P01" -> "table " + table + " does not exist";
                    case "42703" ->
                            "column '"
                                    + properties.idColumn()
                                    + "' or '"
                                    + properties.urlColumn()
                                    + "' does not exist";
                    case "42601" -> "syntax error (check fsb.catalog.postgres.filter)";
                    case "42501" -> "permission denied";
                    case "3D000" -> "the database does not exist";
                    case "57014" -> "the query timed out or was cancelled";
                    default ->
                            state.startsWith("28")
                                    ? "authentication failed for user '" + connection.user() + "'"
                                    : state.startsWith("08") ? "cannot connect" : null;
                };
        String message =
                prefix
                        + (reason == null ? "failed" : reason)
                        + (state.isEmpty() ? "" : " (SQLSTATE " + state + ")");
        // 42xxx undefined objects and syntax (a bad filter), 28xxx authentication, 3D000 no such
        // database.
        if (state.startsWith("42") || state.startsWith("28") || state.equals("3D000")) {
            return new CatalogNotFoundException(message);
        }
        return new CatalogUnavailableException(message, null);
    }

    private static void close(Connection db, Statement statement, ResultSet rows) {
        try (db;
                statement;
                rows) {
            db.rollback();
        } catch (SQLException ex) {
            // read-only transaction: nothing to lose by failing to close it cleanly
        }
    }

    private final class Rows extends Spliterators.AbstractSpliterator<CatalogEntry> {

        private final ResultSet rows;
        private long number;

        Rows(ResultSet rows) {
            super(Long.MAX_VALUE, Spliterator.ORDERED | Spliterator.NONNULL);
            this.rows = rows;
        }

        @Override
        public boolean tryAdvance(Consumer<? super CatalogEntry> action) {
            try {
                if (!rows.next()) {
                    return false;
                }
                action.accept(entry(rows, ++number));
                return true;
            } catch (SQLException ex) {
                throw translate("reading stopped", ex);
            }
        }
    }
}
