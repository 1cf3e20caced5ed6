package dev.faissshard.embedding;

/** For tests of other packages: the exception a model closed by shutdown throws. */
public final class ClosedModels {

    private ClosedModels() {}

    public static ModelClosedException closed(String model) {
        return new ModelClosedException(model);
    }
}
