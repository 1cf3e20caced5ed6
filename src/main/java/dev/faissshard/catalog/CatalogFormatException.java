package dev.faissshard.catalog;

/** A catalogue row cannot be understood; the message names the file, the line and what is wrong. */
public class CatalogFormatException extends RuntimeException {

    public CatalogFormatException(String message) {
        super(message);
    }

    public CatalogFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
