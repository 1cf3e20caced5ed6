package dev.faissshard.index;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;

/**
 * The trained index every shard of one type starts from, as recorded in {@code progress.json}: once
 * recorded, a resumed job reuses it (checked against its sha256) and never trains again, so no two
 * trainings are ever mixed in one index type.
 *
 * @param file {@code faiss/<type>_trained.faiss}, relative to the index prefix
 * @param sha256 hex sha256 of that object
 * @param bytes its size
 * @param factory the FAISS factory it was trained for
 * @param sampleVectors vectors it was trained on (the first of the catalogue)
 * @param trainedAt when it was trained
 * @param quality recall measured at the end of the last build, or null before
 * @param choice why {@code factory: auto} chose the factory, or null when it was configured
 */
public record TrainedRecord(
        String file,
        String sha256,
        long bytes,
        String factory,
        long sampleVectors,
        Instant trainedAt,
        @JsonInclude(JsonInclude.Include.NON_NULL) IndexQuality quality,
        @JsonInclude(JsonInclude.Include.NON_NULL) String choice) {

    /** A training of a configured factory. */
    public TrainedRecord(
            String file,
            String sha256,
            long bytes,
            String factory,
            long sampleVectors,
            Instant trainedAt,
            IndexQuality quality) {
        this(file, sha256, bytes, factory, sampleVectors, trainedAt, quality, null);
    }

    public TrainedRecord withQuality(IndexQuality measured) {
        return new TrainedRecord(
                file, sha256, bytes, factory, sampleVectors, trainedAt, measured, choice);
    }
}
