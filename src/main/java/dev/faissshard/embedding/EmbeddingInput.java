package dev.faissshard.embedding;

import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * A decoded picture made ready for the models. A build prepares each picture on the decode threads
 * as soon as it is decoded ({@link EmbeddingService#prepare}): the resize into each model's input
 * then runs in parallel instead of on the build's one embedding thread, and the decoded raster
 * (often 200 kB) is garbage at once instead of living in the batch until its turn to embed, so that
 * a batch holds only the small model inputs. Immutable.
 */
public final class EmbeddingInput {

    private final BufferedImage image;
    private final Map<Preprocessing, float[]> tensors;
    private final int width;
    private final int height;

    private EmbeddingInput(
            BufferedImage image, Map<Preprocessing, float[]> tensors, int width, int height) {
        this.image = image;
        this.tensors = tensors;
        this.width = width;
        this.height = height;
    }

    /** The picture itself, to be resized when it is embedded. */
    public static EmbeddingInput of(BufferedImage image) {
        return new EmbeddingInput(image, Map.of(), image.getWidth(), image.getHeight());
    }

    /** The picture as packed for each preprocessing; the raster itself is not kept. */
    static EmbeddingInput packed(BufferedImage image, Map<Preprocessing, float[]> tensors) {
        return new EmbeddingInput(null, Map.copyOf(tensors), image.getWidth(), image.getHeight());
    }

    /** Width of the decoded picture. */
    public int width() {
        return width;
    }

    /** Height of the decoded picture. */
    public int height() {
        return height;
    }

    /** The picture, or null when it was packed; services that do not pack read it through this. */
    public BufferedImage image() {
        return image;
    }

    /**
     * The picture in {@code preprocessing}'s layout, {@link ImageTensor#values} floats: the packed
     * one, or resized now.
     */
    float[] tensor(Preprocessing preprocessing) {
        float[] packed = tensors.get(preprocessing);
        if (packed != null) {
            return packed;
        }
        if (image == null) {
            throw new IllegalStateException(
                    "an input packed for " + tensors.keySet() + ", not for " + preprocessing);
        }
        return ImageTensor.tensorOf(image, preprocessing);
    }
}
