package dev.faissshard.catalog;

/**
 * A catalogue row cannot be understood; the message says where (line, column) and what kind of
 * problem, never the row's text.
 */
public class CatalogFormatException extends CatalogException {

    public CatalogFormatException(String message) {
        super(message);
    }

    public CatalogFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
