package dev.faissshard.index;

import dev.faissshard.storage.StorageClient;
import java.util.Objects;

/**
 * Where one index lives: a store and the layout of keys under a prefix in it. Two locations are
 * equal when they name the same prefix of the same store, which is what the in-process busy lock
 * keys on.
 */
public record IndexLocation(StorageClient storage, IndexLayout layout) {

    public IndexLocation {
        Objects.requireNonNull(storage, "storage");
        Objects.requireNonNull(layout, "layout");
    }

    /** For messages and the job view: the store's description, and the prefix when there is one. */
    public String description() {
        return storage.description()
                + (layout.prefix().isEmpty() ? "" : " prefix " + layout.prefix());
    }

    @Override
    public String toString() {
        return description();
    }
}
