package dev.faissshard.catalog;

/** A remote catalogue (PostgREST, PostgreSQL) could not be read, after retries where they apply. */
public class CatalogUnavailableException extends CatalogException {

    public CatalogUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
