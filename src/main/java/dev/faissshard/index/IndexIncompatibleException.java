package dev.faissshard.index;

import java.util.List;

/** The index in storage was built with another model, dimension, metric or factory. */
public class IndexIncompatibleException extends RuntimeException {

    private final List<String> differences;

    IndexIncompatibleException(String location, List<String> differences) {
        super(
                "The index at "
                        + location
                        + " was built differently: "
                        + String.join("; ", differences)
                        + ". Use another prefix, or restore the original configuration.");
        this.differences = List.copyOf(differences);
    }

    public List<String> differences() {
        return differences;
    }
}
