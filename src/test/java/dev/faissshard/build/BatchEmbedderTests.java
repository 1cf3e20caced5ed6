package dev.faissshard.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.ClosedModels;
import dev.faissshard.embedding.EmbeddingInput;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.embedding.ModelClosedException;
import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.failure.FailureReason;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A batch the model fails on is embedded image by image, so that one bad image fails alone. */
class BatchEmbedderTests {

    private static final Set<IndexType> TYPES = EnumSet.of(IndexType.COLOR, IndexType.STRUCTURE);

    @Test
    void oneImageTheModelFailsOnIsRecordedAsEmbeddingFailedAndTheRestIsEmbedded() {
        WidthModel model = new WidthModel();
        List<CatalogEntry> entries = entries("a", "bad", "c");
        BatchEmbedder.Embedded embedded =
                new BatchEmbedder(model)
                        .embed(
                                entries,
                                List.of(image(2), image(WidthModel.POISON), image(5)),
                                TYPES);
        assertThat(embedded.entries()).extracting(CatalogEntry::id).containsExactly("a", "c");
        assertThat(embedded.rejected())
                .singleElement()
                .satisfies(
                        rejected -> {
                            assertThat(rejected.entry().id()).isEqualTo("bad");
                            assertThat(rejected.reason()).isEqualTo(FailureReason.EMBEDDING_FAILED);
                            assertThat(rejected.reason().isTransient()).isFalse();
                        });
        // Each vector is its image's own, in batch order: colour [w, 1], structure [w].
        assertThat(embedded.vectors().get(IndexType.COLOR)).containsExactly(2, 1, 5, 1);
        assertThat(embedded.vectors().get(IndexType.STRUCTURE)).containsExactly(2, 5);
        assertThat(model.calls).containsExactly(3, 1, 1, 1);
    }

    @Test
    void aBatchTheModelTakesIsEmbeddedInOneCall() {
        WidthModel model = new WidthModel();
        BatchEmbedder.Embedded embedded =
                new BatchEmbedder(model)
                        .embed(entries("a", "b"), List.of(image(3), image(4)), TYPES);
        assertThat(embedded.rejected()).isEmpty();
        assertThat(embedded.vectors().get(IndexType.STRUCTURE)).containsExactly(3, 4);
        assertThat(model.calls).containsExactly(2);
    }

    @Test
    void whenNoImageOfTheBatchEmbedsAloneTheModelIsAtFaultAndTheBatchFails() {
        WidthModel model = new WidthModel();
        assertThatThrownBy(
                        () ->
                                new BatchEmbedder(model)
                                        .embed(
                                                entries("x", "y"),
                                                List.of(
                                                        image(WidthModel.POISON),
                                                        image(WidthModel.POISON)),
                                                TYPES))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("batch of 2");
    }

    @Test
    void aClosedModelIsNeverTakenForABadImage() {
        EmbeddingService closed =
                new EmbeddingService() {
                    @Override
                    public ModelInfo model(IndexType type) {
                        return new ModelInfo("m", "0", 1);
                    }

                    @Override
                    public Map<IndexType, float[]> embed(
                            List<BufferedImage> images, Set<IndexType> types) {
                        throw ClosedModels.closed("m");
                    }
                };
        assertThatThrownBy(
                        () ->
                                new BatchEmbedder(closed)
                                        .embed(
                                                entries("a", "b"),
                                                List.of(image(1), image(2)),
                                                TYPES))
                .isInstanceOf(ModelClosedException.class);
    }

    private static List<CatalogEntry> entries(String... ids) {
        List<CatalogEntry> entries = new ArrayList<>();
        for (String id : ids) {
            entries.add(new CatalogEntry(id, URI.create("http://127.0.0.1/" + id + ".jpg"), null));
        }
        return entries;
    }

    private static EmbeddingInput image(int width) {
        return EmbeddingInput.of(new BufferedImage(width, 1, BufferedImage.TYPE_INT_RGB));
    }

    /**
     * A model whose vectors are the image's width ({@code [w, 1]} for colour, {@code [w]} for
     * structure) and which fails on any batch holding an image of width {@link #POISON}, as a model
     * may on one input.
     */
    private static final class WidthModel implements EmbeddingService {

        static final int POISON = 13;

        final List<Integer> calls = new ArrayList<>();

        @Override
        public ModelInfo model(IndexType type) {
            return new ModelInfo(type.key(), "0", type == IndexType.COLOR ? 2 : 1);
        }

        @Override
        public Map<IndexType, float[]> embed(List<BufferedImage> images, Set<IndexType> types) {
            calls.add(images.size());
            if (images.stream().anyMatch(image -> image.getWidth() == POISON)) {
                throw new IllegalStateException("Model failed on a batch of " + images.size());
            }
            Map<IndexType, float[]> out = new EnumMap<>(IndexType.class);
            for (IndexType type : types) {
                int dimension = model(type).dimension();
                float[] vectors = new float[images.size() * dimension];
                for (int i = 0; i < images.size(); i++) {
                    vectors[i * dimension] = images.get(i).getWidth();
                    if (dimension == 2) {
                        vectors[i * dimension + 1] = 1;
                    }
                }
                out.put(type, vectors);
            }
            return out;
        }
    }
}
