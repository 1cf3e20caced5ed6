package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * A transformer-shaped image encoder exported at opset 17 (patch embedding, [CLS] token, multi-head
 * attention, LayerNormalization, GELU) goes through the same user-model path as the conv nets:
 * opened and checked against its settings, fed the configured preprocessing, pooled by its [CLS]
 * token and normalised; its vectors equal the encoder's output computed by numpy without ONNX
 * Runtime.
 */
class TransformerUserModelTests {

    private static final int SIZE = 32;

    @TempDir Path dir;

    @Test
    void hiddenStatesPooledByTheirClsTokenAreTheNumpyEncodersOutputNormalised() throws Exception {
        Path model = TransformerModels.tokens(dir, SIZE);
        EmbeddingProperties properties = bind(settings(model, "last_hidden_state", "cls"));
        List<BufferedImage> pictures =
                List.of(
                        picture(new Color(200, 40, 90), 0),
                        picture(new Color(30, 90, 200), 1),
                        picture(new Color(240, 200, 20), 2));
        float[] vectors;
        try (OnnxEmbeddingService service = ModelLoader.load(properties)) {
            assertThat(service.model(IndexType.COLOR).id()).isEqualTo("vit-test");
            assertThat(service.model(IndexType.COLOR).dimension())
                    .isEqualTo(TransformerModels.DIMENSION);
            vectors = service.embed(pictures, Set.of(IndexType.COLOR)).get(IndexType.COLOR);
        }
        FloatBuffer inputs = ImageTensor.pack(pictures, properties.color().preprocessing());
        float[] expected = TransformerModels.reference(dir, SIZE, inputs, pictures.size());
        int d = TransformerModels.DIMENSION;
        assertThat(vectors).hasSize(pictures.size() * d);
        for (int row = 0; row < pictures.size(); row++) {
            double norm = 0;
            for (int j = 0; j < d; j++) {
                norm += expected[row * d + j] * (double) expected[row * d + j];
            }
            norm = Math.sqrt(norm);
            for (int j = 0; j < d; j++) {
                assertThat(vectors[row * d + j])
                        .as("picture %d component %d", row, j)
                        .isCloseTo((float) (expected[row * d + j] / norm), within(2e-4f));
            }
        }
        // Different pictures give different vectors: the attention path is not a constant.
        double dot = 0;
        for (int j = 0; j < d; j++) {
            dot += vectors[j] * vectors[d + j];
        }
        assertThat(dot).isLessThan(0.9999);
    }

    @Test
    void aClipStyleExportOfTheClsEmbeddingGivesTheSameVectorsAsItsHiddenStates() throws Exception {
        Map<String, String> settings =
                settings(TransformerModels.tokens(dir, SIZE), "last_hidden_state", "cls");
        settings(TransformerModels.pooled(dir, SIZE), "image_embeds", "none")
                .forEach(
                        (key, value) -> settings.put(key.replace(".color.", ".structure."), value));
        List<BufferedImage> pictures =
                List.of(picture(new Color(20, 160, 60), 3), picture(new Color(120, 40, 180), 4));
        try (OnnxEmbeddingService service = ModelLoader.load(bind(settings))) {
            Map<IndexType, float[]> vectors =
                    service.embed(pictures, Set.of(IndexType.COLOR, IndexType.STRUCTURE));
            assertThat(vectors.get(IndexType.STRUCTURE))
                    .hasSize(pictures.size() * TransformerModels.DIMENSION);
            float[] tokens = vectors.get(IndexType.COLOR);
            float[] pooled = vectors.get(IndexType.STRUCTURE);
            for (int i = 0; i < tokens.length; i++) {
                assertThat(pooled[i]).as("component %d", i).isCloseTo(tokens[i], within(1e-5f));
            }
        }
    }

    /** Settings as the README gives them for a CLIP / DINOv2 export. */
    private static Map<String, String> settings(Path model, String output, String pooling) {
        Map<String, String> settings = new HashMap<>();
        String prefix = "fsb.embedding.color.";
        settings.put(prefix + "path", model.toString());
        settings.put(prefix + "id", "vit-test");
        settings.put(prefix + "input-size", Integer.toString(SIZE));
        settings.put(prefix + "resize", "shorter-side-crop");
        settings.put(prefix + "mean", "0.481,0.458,0.408");
        settings.put(prefix + "std", "0.269,0.261,0.276");
        settings.put(prefix + "input-name", "pixel_values");
        settings.put(prefix + "output-name", output);
        settings.put(prefix + "pooling", pooling);
        settings.put(prefix + "normalize", "true");
        return settings;
    }

    private static EmbeddingProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("fsb.embedding", EmbeddingProperties.class);
    }

    private static BufferedImage picture(Color paint, int seed) {
        BufferedImage image = new BufferedImage(60 + 7 * seed, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), 48);
        g.setColor(paint);
        g.fillOval(8 + 3 * seed, 6, 30, 30);
        g.fillRect(30, 20 + seed, 20, 14);
        g.dispose();
        return image;
    }
}
