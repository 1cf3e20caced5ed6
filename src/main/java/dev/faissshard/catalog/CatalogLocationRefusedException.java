package dev.faissshard.catalog;

/**
 * A catalogue location named in a request is not one the service may read: outside the allowed
 * roots, not a regular file or folder, or not there at all. One message for every reason, so that a
 * caller cannot learn whether a file outside the roots exists.
 */
public class CatalogLocationRefusedException extends CatalogException {

    static final String MESSAGE =
            "catalog.location must name an existing regular file or folder under the allowed "
                    + "catalogue roots (fsb.catalog.allowed-roots), without '..' segments";

    CatalogLocationRefusedException() {
        super(MESSAGE);
    }
}
