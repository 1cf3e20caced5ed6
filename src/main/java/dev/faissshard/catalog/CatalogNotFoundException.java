package dev.faissshard.catalog;

/** The catalogue's file or folder does not exist or cannot be read. */
public class CatalogNotFoundException extends RuntimeException {

    public CatalogNotFoundException(String message) {
        super(message);
    }
}
