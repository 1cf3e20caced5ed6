package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.faissshard.FaissShardBuilderApplication;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * User model settings are checked against the model's own metadata when the models are opened:
 * every mismatch is a {@link ModelConfigurationException} naming the model file and the setting.
 */
class UserModelValidationTests {

    @TempDir static Path dir;

    static Path nhwc;
    static Path nchw;

    @BeforeAll
    static void models() throws Exception {
        nhwc = ConvModels.write(dir, "nhwc", 32);
        nchw = ConvModels.write(dir, "nchw", 32);
    }

    @Test
    void inputSizeOtherThanTheModelsIsRefusedNamingTheSetting() {
        assertRefused(
                settings(nchw, "nchw", Map.of("input-size", "64")),
                "fsb.embedding.color.input-size",
                "[-1, 3, 32, 32]");
    }

    @Test
    void layoutOtherThanTheModelsIsRefused() {
        assertRefused(
                settings(nhwc, "nchw", Map.of()), "fsb.embedding.color.layout", "[-1, 32, 32, 3]");
    }

    @Test
    void unknownInputOrOutputNameIsRefusedListingTheModelsNames() {
        assertRefused(
                settings(nchw, "nchw", Map.of("output-name", "embeddings")),
                "fsb.embedding.color.output-name",
                "[features]");
        assertRefused(
                settings(nchw, "nchw", Map.of("input-name", "image")),
                "fsb.embedding.color.input-name",
                "[pixels]");
    }

    @Test
    void featureMapOutputWithoutPoolingIsRefused() {
        assertRefused(
                settings(nchw, "nchw", Map.of("pooling", "none")),
                "fsb.embedding.color.pooling",
                "mean or max");
        assertRefused(
                settings(nchw, "nchw", Map.of("pooling", "cls")),
                "fsb.embedding.color.pooling",
                "[-1, 16, 8, 8]");
    }

    @Test
    void missingFileIsRefusedNamingThePath() {
        assertRefused(
                settings(dir.resolve("absent.onnx"), "nchw", Map.of()),
                "fsb.embedding.color.path",
                "absent.onnx");
    }

    @Test
    void badMeanOrStdIsABindingErrorNamingTheKey() {
        assertThatThrownBy(() -> bind(settings(nchw, "nchw", Map.of("std", "0.2,0,0.2"))))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("fsb.embedding.color")
                .rootCause()
                .hasMessageContaining("std");
        assertThatThrownBy(() -> bind(settings(nchw, "nchw", Map.of("mean", "0.5,0.5"))))
                .isInstanceOf(BindException.class)
                .rootCause()
                .hasMessageContaining("mean");
    }

    @Test
    void decodeSizeBelowAModelsInputIsRefusedNamingBothSettings() throws Exception {
        Path big = ConvModels.write(Files.createDirectories(dir.resolve("big")), "nchw", 96);
        try (OnnxEmbeddingService service =
                ModelLoader.load(bind(settings(big, "nchw", Map.of("input-size", "96"))))) {
            EmbeddingConfiguration.requireDecodeSize(service, 96);
            assertThatThrownBy(() -> EmbeddingConfiguration.requireDecodeSize(service, 64))
                    .isInstanceOf(ModelConfigurationException.class)
                    .hasMessageContaining("conv-nchw")
                    .hasMessageContaining("fsb.embedding.color")
                    .hasMessageContaining("fsb.image.decode-size: 96");
        }
    }

    @Test
    @ExtendWith(OutputCaptureExtension.class)
    void misconfiguredModelStopsTheServiceAtStartupWithOneReadableMessage(CapturedOutput output) {
        SpringApplicationBuilder application =
                new SpringApplicationBuilder(FaissShardBuilderApplication.class)
                        .web(WebApplicationType.NONE);
        assertThatThrownBy(
                        () ->
                                application.run(
                                        "--fsb.embedding.color.path=" + nhwc,
                                        "--fsb.embedding.color.layout=nhwc",
                                        "--fsb.embedding.color.input-size=40",
                                        "--fsb.embedding.color.pooling=mean"))
                .rootCause()
                .isInstanceOf(ModelConfigurationException.class);
        assertThat(output.getOut() + output.getErr())
                .contains("APPLICATION FAILED TO START")
                .contains(
                        "fsb.embedding.color.input-size is 40, but input 'pixels' is [-1, 32, 32, 3]");
    }

    @Test
    void cudaWithoutTheGpuBuildOfOnnxRuntimeIsRefusedSayingWhatToInstall() {
        Map<String, String> settings =
                new HashMap<>(Map.of("fsb.embedding.execution-provider", "cuda"));
        assertThatThrownBy(() -> ModelLoader.load(bind(settings)))
                .isInstanceOf(ModelConfigurationException.class)
                .hasMessageContaining("fsb.embedding.execution-provider")
                .hasMessageContaining("onnxruntime_gpu");
    }

    @Test
    void vectorsAreUnitLengthOnlyWhenNormalisationIsOn() {
        BufferedImage picture = picture();
        float[] raw;
        float[] unit;
        try (OnnxEmbeddingService service =
                ModelLoader.load(bind(settings(nchw, "nchw", Map.of("normalize", "false"))))) {
            raw = service.embed(List.of(picture), Set.of(IndexType.COLOR)).get(IndexType.COLOR);
            assertThat(service.model(IndexType.COLOR).id()).isEqualTo("conv-nchw");
            assertThat(service.model(IndexType.COMBINED).dimension()).isEqualTo(16 + 652);
        }
        try (OnnxEmbeddingService service =
                ModelLoader.load(bind(settings(nchw, "nchw", Map.of())))) {
            unit = service.embed(List.of(picture), Set.of(IndexType.COLOR)).get(IndexType.COLOR);
        }
        double norm = Math.sqrt(dot(raw, raw));
        assertThat(norm).isNotCloseTo(1.0, within(0.05));
        assertThat(dot(unit, unit)).isCloseTo(1.0, within(1e-5));
        assertThat(dot(raw, unit) / norm).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void combinedWithAModelOfItsOwnUsesItInsteadOfTheWeightedPair() {
        Map<String, String> settings = new HashMap<>();
        settings(nchw, "nchw", Map.of())
                .forEach((key, value) -> settings.put(key.replace(".color.", ".combined."), value));
        try (OnnxEmbeddingService service = ModelLoader.load(bind(settings))) {
            assertThat(service.model(IndexType.COMBINED).id()).isEqualTo("conv-nchw");
            assertThat(service.model(IndexType.COMBINED).dimension()).isEqualTo(16);
            assertThat(service.model(IndexType.COLOR).id()).isEqualTo("builtin-color-v3");
            float[] combined =
                    service.embed(List.of(picture()), Set.of(IndexType.COMBINED))
                            .get(IndexType.COMBINED);
            assertThat(combined).hasSize(16);
        }
    }

    private static Map<String, String> settings(
            Path model, String layout, Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>();
        settings.put("fsb.embedding.color.path", model.toString());
        settings.put("fsb.embedding.color.input-size", "32");
        settings.put("fsb.embedding.color.layout", layout);
        settings.put("fsb.embedding.color.pooling", "mean");
        overrides.forEach((key, value) -> settings.put("fsb.embedding.color." + key, value));
        return settings;
    }

    private static EmbeddingProperties bind(Map<String, String> settings) {
        return new Binder(new MapConfigurationPropertySource(settings))
                .bindOrCreate("fsb.embedding", EmbeddingProperties.class);
    }

    private static void assertRefused(Map<String, String> settings, String key, String detail) {
        assertThatThrownBy(() -> ModelLoader.load(bind(settings)))
                .isInstanceOf(ModelConfigurationException.class)
                .hasMessageContaining(key)
                .hasMessageContaining(detail)
                .hasMessageContaining(".onnx");
    }

    private static BufferedImage picture() {
        BufferedImage image = new BufferedImage(80, 60, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 80, 60);
        g.setColor(new Color(200, 40, 90));
        g.fillOval(20, 10, 40, 40);
        g.dispose();
        return image;
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
