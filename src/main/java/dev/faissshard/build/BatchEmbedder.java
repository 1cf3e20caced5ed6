package dev.faissshard.build;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingInput;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelClosedException;
import dev.faissshard.failure.FailureReason;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds a prepared batch in one call. When the batch fails, each image is embedded alone, so that
 * one image the model cannot take fails alone, as {@link FailureReason#EMBEDDING_FAILED}, and the
 * rest of the batch is indexed. When no image of a batch of several embeds alone, the fault is the
 * model's, not the images': the batch's failure propagates and fails the job, rather than every
 * image being recorded as a permanent failure. Models closed by a shutdown always propagate.
 */
final class BatchEmbedder {

    private static final Logger log = LoggerFactory.getLogger(BatchEmbedder.class);

    private final EmbeddingService embeddings;

    BatchEmbedder(EmbeddingService embeddings) {
        this.embeddings = embeddings;
    }

    /** Makes a decoded picture ready to embed; thread-safe, called on the decode threads. */
    EmbeddingInput prepare(BufferedImage image) {
        return embeddings.prepare(image);
    }

    Embedded embed(List<CatalogEntry> entries, List<EmbeddingInput> images, Set<IndexType> types) {
        try {
            return new Embedded(entries, embeddings.embedInputs(images, types), List.of());
        } catch (ModelClosedException ex) {
            throw ex;
        } catch (RuntimeException batchFailure) {
            log.warn(
                    "Embedding a batch of {} failed ({}); embedding its images one by one",
                    images.size(),
                    batchFailure.getClass().getName());
            return oneByOne(entries, images, types, batchFailure);
        }
    }

    private Embedded oneByOne(
            List<CatalogEntry> entries,
            List<EmbeddingInput> images,
            Set<IndexType> types,
            RuntimeException batchFailure) {
        List<CatalogEntry> embedded = new ArrayList<>();
        List<Map<IndexType, float[]>> rows = new ArrayList<>();
        List<PreparedBatch.Rejected> rejected = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            try {
                rows.add(embeddings.embedInputs(List.of(images.get(i)), types));
                embedded.add(entries.get(i));
            } catch (ModelClosedException ex) {
                throw ex;
            } catch (RuntimeException ex) {
                // Model messages may quote input metadata; only the type is recorded.
                log.warn(
                        "The model failed on catalogue id {} ({})",
                        entries.get(i).id(),
                        ex.getClass().getName());
                rejected.add(
                        new PreparedBatch.Rejected(
                                entries.get(i),
                                FailureReason.EMBEDDING_FAILED,
                                "the model failed on this image ("
                                        + ex.getClass().getSimpleName()
                                        + ")"));
            }
        }
        if (embedded.isEmpty() && images.size() > 1) {
            throw batchFailure;
        }
        Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
        for (IndexType type : types) {
            int length = rows.stream().mapToInt(row -> row.get(type).length).sum();
            float[] joined = new float[length];
            int offset = 0;
            for (Map<IndexType, float[]> row : rows) {
                float[] part = row.get(type);
                System.arraycopy(part, 0, joined, offset, part.length);
                offset += part.length;
            }
            vectors.put(type, joined);
        }
        return new Embedded(embedded, vectors, rejected);
    }

    /**
     * A batch after embedding.
     *
     * @param entries the entries embedded, in batch order
     * @param vectors per index type, one row-major vector per entry
     * @param rejected the images the model failed on
     */
    record Embedded(
            List<CatalogEntry> entries,
            Map<IndexType, float[]> vectors,
            List<PreparedBatch.Rejected> rejected) {}
}
