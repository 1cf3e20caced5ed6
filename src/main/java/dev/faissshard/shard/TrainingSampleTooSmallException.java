package dev.faissshard.shard;

/**
 * A trained factory cannot be trained: the catalogue ended with fewer vectors than FAISS's guidance
 * asks for (39 per k-means centroid). Building it would give a quantizer fitted to noise; a smaller
 * factory (fewer inverted lists) or an untrained one suits a catalogue this small.
 */
public class TrainingSampleTooSmallException extends RuntimeException {

    private final long vectors;
    private final long required;

    public TrainingSampleTooSmallException(String factory, long vectors, long required) {
        super(
                "FAISS factory '"
                        + factory
                        + "' needs at least "
                        + required
                        + " training vectors (39 per centroid) but the catalogue gave "
                        + vectors
                        + "; use fewer inverted lists or an untrained factory such as 'IDMap,Flat'");
        this.vectors = vectors;
        this.required = required;
    }

    public long vectors() {
        return vectors;
    }

    public long required() {
        return required;
    }
}
