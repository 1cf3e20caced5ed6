package dev.faissshard.catalog;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Where the PostgreSQL catalogue connects. Accepts Supabase's {@code
 * postgresql://user:pass@host/db} connection string as well as a JDBC URL; the password stays out
 * of {@link #description()}.
 */
final class PostgresConnection {

    private final String jdbcUrl;
    private final Properties credentials = new Properties();
    private final String description;
    private final String user;

    PostgresConnection(PostgresCatalogProperties properties) {
        String url = properties.url().strip();
        if (url.isEmpty()) {
            throw new CatalogNotFoundException(
                    "Catalogue type postgres needs fsb.catalog.postgres.url (DATABASE_URL)");
        }
        String user = properties.username();
        String password = properties.password();
        if (url.startsWith("postgres://") || url.startsWith("postgresql://")) {
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException ex) {
                throw new CatalogNotFoundException(
                        "fsb.catalog.postgres.url is not a valid postgresql:// URL");
            }
            if (uri.getRawUserInfo() != null) {
                String[] info = uri.getRawUserInfo().split(":", 2);
                user = user.isEmpty() ? decode(info[0]) : user;
                password = password.isEmpty() && info.length > 1 ? decode(info[1]) : password;
            }
            String host = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
            this.jdbcUrl =
                    "jdbc:postgresql://"
                            + host
                            + (uri.getRawPath() == null ? "" : uri.getRawPath())
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            this.description = "postgres:" + host + (uri.getPath() == null ? "" : uri.getPath());
        } else if (url.startsWith("jdbc:postgresql:")) {
            this.jdbcUrl = url;
            int query = url.indexOf('?');
            this.description =
                    "postgres:"
                            + (query < 0 ? url : url.substring(0, query))
                                    .substring("jdbc:postgresql:".length())
                                    .replaceFirst("^//", "");
        } else {
            throw new CatalogNotFoundException(
                    "fsb.catalog.postgres.url must start with postgresql:// or jdbc:postgresql:");
        }
        this.user = user;
        if (!user.isEmpty()) {
            credentials.setProperty("user", user);
        }
        // Every network wait is bounded, so a stalled database cannot hold a job (or shutdown)
        // forever.
        credentials.setProperty(
                "connectTimeout", Long.toString(seconds(properties.connectTimeout())));
        credentials.setProperty(
                "loginTimeout", Long.toString(seconds(properties.connectTimeout())));
        credentials.setProperty("socketTimeout", Long.toString(seconds(properties.readTimeout())));
        if (!password.isEmpty()) {
            credentials.setProperty("password", password);
        }
    }

    Connection open() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, credentials);
    }

    String description() {
        return description;
    }

    /** The user name (never the password), for messages. */
    String user() {
        return user;
    }

    private static long seconds(java.time.Duration timeout) {
        return Math.max(1, (timeout.toMillis() + 999) / 1000);
    }

    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
