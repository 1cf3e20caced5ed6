package dev.faissshard.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link PostgresCatalog} against a real PostgreSQL server started for the test on 127.0.0.1. */
class PostgresCatalogTests {

    private static final String ROW_SECRET = "ROW_SECRET_7f3a";
    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startPostgres() throws IOException, SQLException {
        postgres = EmbeddedPostgres.builder().start();
        try (Connection db = postgres.getPostgresDatabase().getConnection();
                Statement sql = db.createStatement()) {
            sql.execute(
                    "CREATE TABLE images (id bigint PRIMARY KEY, image_url text NOT NULL, processed boolean NOT NULL DEFAULT false)");
            sql.execute(
                    "INSERT INTO images SELECT g, 'https://cdn.example/' || g || '.jpg', g % 4 = 0 FROM generate_series(1, 5000) g");
            sql.execute("CREATE SCHEMA shop");
            sql.execute("CREATE TABLE shop.photos (uid uuid PRIMARY KEY, url text)");
            sql.execute(
                    "INSERT INTO shop.photos SELECT md5(g::text)::uuid, 'supabase://products/' || g || '.jpg' FROM generate_series(1, 50) g");
            sql.execute("CREATE TABLE leaky (id text PRIMARY KEY, image_url text)");
            sql.execute(
                    "INSERT INTO leaky VALUES ('a', 'https://cdn.example/a.jpg'), ('"
                            + ROW_SECRET
                            + "', 'http://exa mple/"
                            + ROW_SECRET
                            + "')");
            sql.execute("CREATE ROLE reader LOGIN PASSWORD 'p@ss:word'");
            sql.execute("GRANT SELECT ON images TO reader");
        }
    }

    @AfterAll
    static void stopPostgres() throws IOException {
        postgres.close();
    }

    @Test
    void streamsEveryRowInIdOrderThroughACursor() {
        PostgresCatalog catalog =
                catalog("images", "id", "image_url", "", jdbcUrl(), "postgres", "");
        try (Stream<CatalogEntry> entries = catalog.verified().entries()) {
            List<CatalogEntry> rows = entries.toList();
            assertThat(rows).hasSize(5000);
            assertThat(rows.get(0).id()).isEqualTo("1");
            assertThat(rows.get(4999).imageUrl().toString())
                    .isEqualTo("https://cdn.example/5000.jpg");
            assertThat(rows).extracting(CatalogEntry::id).doesNotHaveDuplicates();
        }
        assertThat(catalog.size()).hasValue(5000);
    }

    @Test
    void findLooksUpOneIdByKeyWhateverTheColumnsType() {
        PostgresCatalog images =
                catalog("images", "id", "image_url", "", jdbcUrl(), "postgres", "");
        assertThat(images.find("4321").orElseThrow().imageUrl().toString())
                .isEqualTo("https://cdn.example/4321.jpg");
        assertThat(images.find("5001")).isEmpty();
        assertThat(images.find("abc")).as("no bigint: no row").isEmpty();
        assertThat(images.find("1; DROP TABLE images")).isEmpty();
        PostgresCatalog unprocessed =
                catalog("images", "id", "image_url", "processed", jdbcUrl(), "postgres", "");
        assertThat(unprocessed.find("8")).isPresent();
        assertThat(unprocessed.find("9")).as("outside the filter").isEmpty();
        PostgresCatalog photos =
                catalog("shop.photos", "uid", "url", "", jdbcUrl(), "postgres", "");
        String uid;
        try (Stream<CatalogEntry> entries = photos.entries()) {
            uid = entries.skip(7).findFirst().orElseThrow().id();
        }
        assertThat(photos.find(uid).orElseThrow().id()).isEqualTo(uid);
        assertThat(images.size()).hasValue(5000);
    }

    @Test
    void readsUuidIdsFromASchemaQualifiedTable() {
        PostgresCatalog catalog =
                catalog("shop.photos", "uid", "url", "", jdbcUrl(), "postgres", "");
        try (Stream<CatalogEntry> entries = catalog.entries()) {
            List<String> ids = entries.map(CatalogEntry::id).toList();
            assertThat(ids).hasSize(50).isSorted().allMatch(id -> id.length() == 36);
        }
    }

    @Test
    void appliesTheFilterAndAcceptsSupabasesConnectionStringWithCredentials() {
        String url =
                "postgresql://reader:"
                        + "p%40ss%3Aword"
                        + "@127.0.0.1:"
                        + postgres.getPort()
                        + "/postgres";
        PostgresCatalog catalog =
                catalog("images", "id", "image_url", "processed = false", url, "", "");
        try (Stream<CatalogEntry> entries = catalog.entries()) {
            assertThat(entries.count()).isEqualTo(3750);
        }
        assertThat(catalog.description())
                .isEqualTo("postgres:127.0.0.1:" + postgres.getPort() + "/postgres table images")
                .doesNotContain("p@ss");
    }

    @Test
    void closingTheStreamEarlyReleasesTheConnection() throws SQLException {
        PostgresCatalog catalog =
                catalog("images", "id", "image_url", "", jdbcUrl(), "postgres", "");
        for (int i = 0; i < 30; i++) {
            try (Stream<CatalogEntry> entries = catalog.entries()) {
                assertThat(entries.limit(3).count()).isEqualTo(3);
            }
        }
        try (Connection db = postgres.getPostgresDatabase().getConnection();
                Statement sql = db.createStatement();
                var rows =
                        sql.executeQuery(
                                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'postgres' AND pid <> pg_backend_pid()")) {
            rows.next();
            assertThat(rows.getInt(1)).isLessThan(5);
        }
    }

    @Test
    void missingTableColumnOrRoleIsRefusedBySqlStateWithoutTheServersMessage() {
        assertThatThrownBy(
                        () ->
                                catalog("imagez", "id", "image_url", "", jdbcUrl(), "postgres", "")
                                        .verified())
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("imagez")
                .hasMessageContaining("does not exist")
                .hasMessageContaining("42P01");
        assertThatThrownBy(
                        () ->
                                catalog("images", "id", "photo", "", jdbcUrl(), "postgres", "")
                                        .verified())
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("photo");
        String unknownRole =
                "postgresql://nobody:s3cret@127.0.0.1:" + postgres.getPort() + "/postgres";
        assertThatThrownBy(
                        () ->
                                catalog("images", "id", "image_url", "", unknownRole, "", "")
                                        .verified())
                .isInstanceOf(CatalogNotFoundException.class)
                .hasMessageContaining("nobody")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void rowAndServerTextsNeverReachAMessage() {
        PostgresCatalog catalog =
                catalog("leaky", "id", "image_url", "", jdbcUrl(), "postgres", "");
        try (Stream<CatalogEntry> entries = catalog.entries()) {
            // The malformed URL fails its own row when fetched; its stand-in quotes nothing of it.
            assertThat(entries.toList())
                    .filteredOn(entry -> entry.id().equals(ROW_SECRET))
                    .singleElement()
                    .satisfies(
                            entry -> {
                                assertThat(entry.imageUrl().getScheme()).isEqualTo("invalid-url");
                                assertThat(entry.imageUrl().toString()).doesNotContain(ROW_SECRET);
                            });
        }
        // The server's message would quote the literal: "invalid input syntax for type bigint:
        // ...".
        PostgresCatalog badFilter =
                catalog(
                        "images",
                        "id",
                        "image_url",
                        "id = '" + ROW_SECRET + "'",
                        jdbcUrl(),
                        "postgres",
                        "");
        assertThatThrownBy(badFilter::verified)
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("SQLSTATE 22P02")
                .hasMessageNotContaining(ROW_SECRET)
                .hasNoCause();
    }

    private static String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres";
    }

    private static PostgresCatalog catalog(
            String table,
            String id,
            String url,
            String filter,
            String dbUrl,
            String user,
            String password) {
        PostgresCatalogProperties properties =
                new PostgresCatalogProperties(dbUrl, user, password, id, url, filter, 100);
        return new PostgresCatalog(new PostgresConnection(properties), properties, table);
    }
}
