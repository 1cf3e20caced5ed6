package dev.faissshard.embedding;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Turns decoded images into float32, L2-normalised vectors, one model per index type. */
public interface EmbeddingService {

    /** The model behind an index type. */
    ModelInfo model(IndexType type);

    /**
     * Embeds a batch. Returns, for each requested type, {@code images.size()} row-major vectors of
     * {@code model(type).dimension()} floats each.
     */
    Map<IndexType, float[]> embed(List<BufferedImage> images, Set<IndexType> types);

    /**
     * Makes a decoded picture ready for {@link #embedInputs}: thread-safe, meant for the threads
     * that decode. This default keeps the picture as it is.
     */
    default EmbeddingInput prepare(BufferedImage image) {
        return EmbeddingInput.of(image);
    }

    /** As {@link #embed}, for pictures made ready by {@link #prepare}. */
    default Map<IndexType, float[]> embedInputs(List<EmbeddingInput> inputs, Set<IndexType> types) {
        return embed(inputs.stream().map(EmbeddingInput::image).toList(), types);
    }
}
