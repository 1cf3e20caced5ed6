package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.index.IndexIncompatibleException;
import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.testimages.SampleCatalogueWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * An index built by the previous built-in models ({@code builtin-color-v2}, {@code
 * builtin-structure-v3}, with the sha256 of their files as the service recorded them) is not
 * extended with the vectors of the current ones: the job is refused as index-incompatible, naming
 * the old model.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class PreviousBuiltinModelsRefusedTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<String, Map<String, Object>> PREVIOUS =
            Map.of(
                    "color",
                            Map.of(
                                    "id",
                                    "builtin-color-v2",
                                    "sha256",
                                    "53f0c847c62c657803b0c2d0be70b46c42d5f22ca02aeab60ee177450a66bf6e",
                                    "dimension",
                                    512),
                    "structure",
                            Map.of(
                                    "id",
                                    "builtin-structure-v3",
                                    "sha256",
                                    "1f7a703c3c1f13efdd20f26ef02af6d125477648e60332095ea3e0381407e54d",
                                    "dimension",
                                    652),
                    "combined",
                            Map.of(
                                    "id",
                                    "combined(color=0.3;builtin-color-v2+builtin-structure-v3)",
                                    "sha256",
                                    "53f0c847c62c657803b0c2d0be70b46c42d5f22ca02aeab60ee177450a66bf6e"
                                            + "+1f7a703c3c1f13efdd20f26ef02af6d125477648e60332095ea3e0381407e54d",
                                    "dimension",
                                    1164));
    private static Path storage;

    @Autowired JobService jobs;

    @DynamicPropertySource
    static void catalogue(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("previous-models");
        storage = root.resolve("storage");
        SampleCatalogueWriter.write(root.resolve("catalogue"), 6, 160, null);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add(
                "fsb.catalog.location", () -> root.resolve("catalogue/catalog.csv").toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void aJobOnAnIndexOfThePreviousBuiltinModelsIsRefused() throws Exception {
        Job first = jobs.submit(JobRequest.defaults());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (!first.state().isFinished() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(first.state()).isEqualTo(JobState.SUCCEEDED);
        Path progress = storage.resolve("progress.json");
        Map<String, Object> stored = JSON.readValue(progress.toFile(), Map.class);
        Map<String, Map<String, Object>> indexes =
                (Map<String, Map<String, Object>>) stored.get("indexes");
        assertThat(indexes.get("structure").get("model"))
                .extracting("id")
                .isEqualTo("builtin-structure-v4");
        // As an index built before the models changed would have recorded them.
        PREVIOUS.forEach((type, model) -> indexes.get(type).put("model", model));
        Files.write(progress, JSON.writeValueAsBytes(stored));

        assertThatThrownBy(() -> jobs.submit(JobRequest.defaults()))
                .isInstanceOf(IndexIncompatibleException.class)
                .hasMessageContaining("builtin-structure-v3");
    }
}
