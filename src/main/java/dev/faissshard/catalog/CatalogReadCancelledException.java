package dev.faissshard.catalog;

/** Reading the catalogue was abandoned because its job was cancelled or the service is stopping. */
public class CatalogReadCancelledException extends CatalogException {

    CatalogReadCancelledException() {
        super("catalogue reading stopped: the job was cancelled");
    }
}
