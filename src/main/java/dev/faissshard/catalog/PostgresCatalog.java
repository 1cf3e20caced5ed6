package dev.faissshard.catalog;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.OptionalLong;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The images table read straight from PostgreSQL, in id order, through a server-side cursor (autocommit
 * off plus a fetch size makes the driver fetch that many rows per round trip instead of the whole
 * result), so memory stays flat however large the table is.
 */
final class PostgresCatalog implements Catalog {

    private final PostgresConnection connection;
    private final PostgresCatalogProperties properties;
    private final String table;

    PostgresCatalog(PostgresConnection connection, PostgresCatalogProperties properties, String table) {
        this.connection = connection;
        this.properties = properties;
        this.table = TableNames.checkTable(table);
    }

    /** Fails with a clear message now, rather than at the job's first batch, if the table or columns are wrong. */
    PostgresCatalog verified() {
        try (Connection db = connection.open(); Statement statement = db.createStatement()) {
            statement.executeQuery(query(true)).close();
            return this;
        }
        catch (SQLException ex) {
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
            PreparedStatement statement = db.prepareStatement(query(false), ResultSet.TYPE_FORWARD_ONLY,
                    ResultSet.CONCUR_READ_ONLY);
            statement.setFetchSize(properties.fetchSize());
            ResultSet rows = statement.executeQuery();
            Connection open = db;
            return StreamSupport.stream(new Rows(rows), false).onClose(() -> close(open, statement, rows));
        }
        catch (SQLException ex) {
            if (db != null) {
                try {
                    db.close();
                }
                catch (SQLException ignored) {
                    // the original failure is the one worth reporting
                }
            }
            throw translate("cannot read", ex);
        }
    }

    @Override
    public OptionalLong size() {
        String sql = "SELECT count(*) FROM " + TableNames.quoted(table) + where();
        try (Connection db = connection.open(); Statement statement = db.createStatement();
                ResultSet count = statement.executeQuery(sql)) {
            return count.next() ? OptionalLong.of(count.getLong(1)) : OptionalLong.empty();
        }
        catch (SQLException ex) {
            return OptionalLong.empty();
        }
    }

    @Override
    public String description() {
        return connection.description() + " table " + table;
    }

    private String query(boolean probe) {
        // Qualified, so that ORDER BY sorts by the column's own type (bigint, uuid), not by the text it is cast to.
        String id = "t.\"" + properties.idColumn() + '"';
        String url = "t.\"" + properties.urlColumn() + '"';
        return "SELECT " + id + "::text, " + url + "::text FROM " + TableNames.quoted(table) + " AS t" + where()
                + " ORDER BY " + id + (probe ? " LIMIT 0" : "");
    }

    private String where() {
        return properties.filter().isBlank() ? "" : " WHERE (" + properties.filter() + ")";
    }

    private CatalogEntry entry(ResultSet rows) throws SQLException {
        String id = rows.getString(1);
        String url = rows.getString(2);
        if (id == null || id.isBlank()) {
            throw new CatalogFormatException(description() + ": a row has no " + properties.idColumn());
        }
        if (url == null || url.isBlank()) {
            throw new CatalogFormatException(description() + " id " + id + ": empty " + properties.urlColumn());
        }
        // A malformed URL fails its row alone (invalid_url), not the job.
        return new CatalogEntry(id, ImageUrls.absolute(url));
    }

    private RuntimeException translate(String what, SQLException ex) {
        String state = ex.getSQLState() == null ? "" : ex.getSQLState();
        String message = description() + ": " + what + ": " + ex.getMessage();
        // 42P01 undefined table, 42703 undefined column, 42601 syntax (a bad filter), 28xxx authentication.
        if (state.startsWith("42") || state.startsWith("28") || state.equals("3D000")) {
            return new CatalogNotFoundException(message);
        }
        return new CatalogUnavailableException(message, ex);
    }

    private static void close(Connection db, Statement statement, ResultSet rows) {
        try (db; statement; rows) {
            db.rollback();
        }
        catch (SQLException ex) {
            // read-only transaction: nothing to lose by failing to close it cleanly
        }
    }

    private final class Rows extends Spliterators.AbstractSpliterator<CatalogEntry> {

        private final ResultSet rows;

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
                action.accept(entry(rows));
                return true;
            }
            catch (SQLException ex) {
                throw translate("reading stopped", ex);
            }
        }
    }
}
