package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * Pictures prepared on the decode threads embed, with the built-in models, to exactly the vectors
 * of the pictures embedded as they are.
 */
class EmbeddingInputTests {

    private static final Set<IndexType> ALL = EnumSet.allOf(IndexType.class);
    private static OnnxEmbeddingService service;

    @BeforeAll
    static void load() {
        service =
                ModelLoader.load(
                        new Binder(new MapConfigurationPropertySource(Map.of()))
                                .bindOrCreate("fsb.embedding", EmbeddingProperties.class));
    }

    @AfterAll
    static void close() {
        service.close();
    }

    @Test
    void preparedPicturesEmbedToTheVectorsOfThePicturesThemselves() {
        // More than one inference slice, with a short last one, and pictures of several shapes.
        List<BufferedImage> pictures = new ArrayList<>();
        for (int i = 0; i < OnnxModel.INFERENCE_BATCH + 5; i++) {
            pictures.add(picture(i, 96 + (i % 3) * 37, 80 + (i % 4) * 29));
        }
        List<EmbeddingInput> prepared = pictures.stream().map(service::prepare).toList();
        assertThat(prepared).allSatisfy(input -> assertThat(input.image()).isNull());

        Map<IndexType, float[]> direct = service.embed(pictures, ALL);
        Map<IndexType, float[]> fromInputs = service.embedInputs(prepared, ALL);
        for (IndexType type : ALL) {
            assertThat(fromInputs.get(type)).containsExactly(direct.get(type));
        }
        assertThat(service.embedInputs(List.of(EmbeddingInput.of(pictures.get(3))), ALL))
                .allSatisfy(
                        (type, vector) ->
                                assertThat(vector)
                                        .containsExactly(
                                                service.embed(
                                                                List.of(pictures.get(3)),
                                                                Set.of(type))
                                                        .get(type)));
    }

    @Test
    void aPreparedInputKeepsThePictureSizeButNotItsRaster() {
        BufferedImage picture = picture(1, 210, 140);
        EmbeddingInput input = service.prepare(picture);
        assertThat(input.width()).isEqualTo(210);
        assertThat(input.height()).isEqualTo(140);
        assertThat(input.image()).isNull();
        assertThat(EmbeddingInput.of(picture).image()).isSameAs(picture);
    }

    private static BufferedImage picture(int seed, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(new Color(Color.HSBtoRGB(seed / 37f, 0.8f, 0.9f)));
        g.fillOval(10 + seed % 20, 15, width / 2, height / 3 + seed % 30);
        g.setColor(Color.DARK_GRAY);
        g.fillRect(width / 3, height / 2, 8 + seed % 11, height / 4);
        g.dispose();
        return image;
    }
}
