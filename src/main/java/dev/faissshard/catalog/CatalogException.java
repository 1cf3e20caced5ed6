package dev.faissshard.catalog;

/**
 * Base of every catalogue failure. Messages are built only from what the service chose or the
 * caller sent (a line number, a column name, a configured table) and never quote what was read from
 * a file, a remote body or a database row, so they may be shown in a problem, a job view or a log
 * line.
 */
public abstract class CatalogException extends RuntimeException {

    protected CatalogException(String message) {
        super(message);
    }

    protected CatalogException(String message, Throwable cause) {
        super(message, cause);
    }
}
