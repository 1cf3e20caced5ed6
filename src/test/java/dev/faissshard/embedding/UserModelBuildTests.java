package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.faissshard.FaissShardBuilderApplication;
import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.testimages.SampleCatalogueWriter;
import dev.faissshard.testimages.StoredIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A whole build with user models configured the way the README says: an NHWC export for {@code
 * color} and the NCHW export of the same network for {@code structure}, both needing pooling and
 * normalisation. Since both compute the same function, the two indexes must hold the same vectors:
 * that proves the layout, channel order and mean/std handling, not just that something ran.
 */
class UserModelBuildTests {

    @TempDir Path dir;

    @Test
    void buildWithNhwcAndNchwUserModelsStoresPooledUnitVectorsOfTheModelsDimension()
            throws Exception {
        Path nhwc = ConvModels.write(dir, "nhwc", 48);
        Path nchw = ConvModels.write(dir, "nchw", 48);
        Path storage = dir.resolve("storage");
        Map<String, Object> properties = sampleBuild(20, 8, storage);
        userModel(properties, "color", nhwc, "nhwc");
        userModel(properties, "structure", nchw, "nchw");

        build(properties, 20);

        StoredIndex.Vectors color = StoredIndex.vectors(storage, "color");
        StoredIndex.Vectors structure = StoredIndex.vectors(storage, "structure");
        StoredIndex.Vectors combined = StoredIndex.vectors(storage, "combined");
        assertThat(color.dimension()).isEqualTo(16);
        assertThat(structure.dimension()).isEqualTo(16);
        assertThat(combined.dimension()).isEqualTo(32);
        for (StoredIndex.Vectors vectors : List.of(color, structure, combined)) {
            assertThat(vectors.catalogIds()).hasSize(20);
            for (int i = 0; i < 20; i++) {
                assertThat(norm(vectors.row(i))).isCloseTo(1.0, within(1e-4));
            }
        }
        assertThat(color.catalogIds()).isEqualTo(structure.catalogIds());
        for (int i = 0; i < 20; i++) {
            float[] a = color.row(i);
            float[] b = structure.row(i);
            for (int j = 0; j < 16; j++) {
                assertThat(a[j]).as("vector %d component %d", i, j).isCloseTo(b[j], within(1e-4f));
            }
        }
        // Different pictures must not collapse onto one vector.
        assertThat(dot(color.row(0), color.row(1))).isLessThan(0.9999);

        Map<String, Object> manifest = StoredIndex.manifest(storage);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> entries =
                new java.util.ArrayList<>((List<Map<String, Object>>) manifest.get("shards"));
        // A finished job keeps its tail open: the vectors may all be in open segments.
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> segments =
                (List<Map<String, Object>>) manifest.get("openSegments");
        entries.addAll(segments);
        Map<String, Object> colorShard =
                entries.stream()
                        .filter(e -> "color".equals(e.get("type")))
                        .findFirst()
                        .orElseThrow();
        assertThat(colorShard.get("modelId")).isEqualTo("conv-nhwc");
        assertThat(colorShard.get("modelSha256")).isEqualTo(sha256(nhwc));
        assertThat(colorShard.get("dimension")).isEqualTo(16);
    }

    @Test
    void modelExportedWithABatchOfOneGivesTheVectorsOfTheSameModelTakingWholeSlices()
            throws Exception {
        Path batched = ConvModels.write(dir, "nchw", 48);
        Path single = ConvModels.write(dir, "nchw", 48, true);
        Path storage = dir.resolve("storage");
        Map<String, Object> properties = sampleBuild(12, 5, storage);
        userModel(properties, "color", batched, "nchw");
        userModel(properties, "structure", single, "nchw");

        build(properties, 12);

        StoredIndex.Vectors color = StoredIndex.vectors(storage, "color");
        StoredIndex.Vectors structure = StoredIndex.vectors(storage, "structure");
        assertThat(structure.catalogIds()).isEqualTo(color.catalogIds()).hasSize(12);
        for (int i = 0; i < 12; i++) {
            float[] a = color.row(i);
            float[] b = structure.row(i);
            for (int j = 0; j < 16; j++) {
                assertThat(b[j]).as("vector %d component %d", i, j).isCloseTo(a[j], within(1e-5f));
            }
        }
    }

    @Test
    void buildWithTransformerExportsStoresTheirClsEmbeddingsWhetherPooledByTheServiceOrByTheExport()
            throws Exception {
        Path tokens = TransformerModels.tokens(dir, 48);
        Path pooled = TransformerModels.pooled(dir, 48);
        Path storage = dir.resolve("storage");
        Map<String, Object> properties = sampleBuild(12, 5, storage);
        userModel(properties, "color", tokens, "nchw");
        properties.put("fsb.embedding.color.input-name", "pixel_values");
        properties.put("fsb.embedding.color.output-name", "last_hidden_state");
        properties.put("fsb.embedding.color.pooling", "cls");
        userModel(properties, "structure", pooled, "nchw");
        properties.put("fsb.embedding.structure.input-name", "pixel_values");
        properties.put("fsb.embedding.structure.output-name", "image_embeds");
        properties.put("fsb.embedding.structure.pooling", "none");

        build(properties, 12);

        StoredIndex.Vectors color = StoredIndex.vectors(storage, "color");
        StoredIndex.Vectors structure = StoredIndex.vectors(storage, "structure");
        assertThat(color.dimension()).isEqualTo(TransformerModels.DIMENSION);
        assertThat(structure.catalogIds()).isEqualTo(color.catalogIds()).hasSize(12);
        for (int i = 0; i < 12; i++) {
            assertThat(norm(color.row(i))).isCloseTo(1.0, within(1e-4));
            float[] a = color.row(i);
            float[] b = structure.row(i);
            for (int j = 0; j < TransformerModels.DIMENSION; j++) {
                assertThat(b[j]).as("vector %d component %d", i, j).isCloseTo(a[j], within(1e-5f));
            }
        }
        assertThat(dot(color.row(0), color.row(1))).isLessThan(0.9999);
    }

    /**
     * Settings for a build of a generated catalogue of {@code images} pictures into {@code
     * storage}.
     */
    private Map<String, Object> sampleBuild(int images, int batchSize, Path storage)
            throws Exception {
        SampleCatalogueWriter.write(dir.resolve("catalogue"), images, 200, null);
        Map<String, Object> properties = new HashMap<>();
        properties.put("fsb.storage.local.root", storage.toString());
        properties.put("fsb.catalog.location", dir.resolve("catalogue/catalog.csv").toString());
        properties.put("fsb.job.batch-size", Integer.toString(batchSize));
        properties.put("logging.level.root", "WARN");
        return properties;
    }

    private static void build(Map<String, Object> properties, int expected)
            throws InterruptedException {
        try (ConfigurableApplicationContext context =
                new SpringApplicationBuilder(FaissShardBuilderApplication.class)
                        .web(WebApplicationType.NONE)
                        .run(arguments(properties))) {
            JobService jobs = context.getBean(JobService.class);
            Job job = jobs.submit(JobRequest.defaults());
            long deadline = System.currentTimeMillis() + 60_000;
            while (!job.state().isFinished() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
            assertThat(jobs.view(job).counts().embedded()).isEqualTo(expected);
        }
    }

    private static void userModel(
            Map<String, Object> properties, String type, Path model, String layout) {
        String prefix = "fsb.embedding." + type + ".";
        properties.put(prefix + "path", model.toString());
        properties.put(prefix + "input-size", "48");
        properties.put(prefix + "resize", "shorter-side-crop");
        properties.put(prefix + "mean", "0.48,0.46,0.41");
        properties.put(prefix + "std", "0.27,0.26,0.28");
        properties.put(prefix + "channel-order", "bgr");
        properties.put(prefix + "layout", layout);
        properties.put(prefix + "input-name", "pixels");
        properties.put(prefix + "output-name", "features");
        properties.put(prefix + "pooling", "mean");
        properties.put(prefix + "normalize", "true");
    }

    /**
     * As command-line arguments, which (unlike default properties) override the shipped
     * application.yml.
     */
    private static String[] arguments(Map<String, Object> properties) {
        return properties.entrySet().stream()
                .map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
    }

    private static double norm(float[] v) {
        return Math.sqrt(dot(v, v));
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
