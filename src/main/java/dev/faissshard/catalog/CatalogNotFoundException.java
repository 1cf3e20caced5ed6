package dev.faissshard.catalog;

/** The catalogue's file, folder or table does not exist or cannot be read. */
public class CatalogNotFoundException extends CatalogException {

    public CatalogNotFoundException(String message) {
        super(message);
    }
}
