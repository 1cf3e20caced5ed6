package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobRequest.CatalogOverride;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.testimages.LabelledSet;
import dev.faissshard.testimages.LabelledSet.Label;
import dev.faissshard.testimages.LabelledSet.Scene;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Retrieval quality of the built-in models on two generated, labelled catalogues, with the indexes
 * built by the service itself, read back from storage through the manifest and searched with FAISS.
 * The tidy set (8 outlines x 8 paints x 6 variants, nearly centred and upright on white, plus 24
 * near-duplicate groups) is the one the first models were made for; its bars are the figures the
 * previous models reached, so that nothing got worse. The untidy set (10 outlines x 10 paints x 6
 * variants, any rotation, position and mirror image, scale 30-75%, non-square frames, white, tinted
 * and gradient backdrops, shadows, plus 50 near-duplicate groups) is drawn from seeds that played
 * no part in designing or tuning the models ({@link LabelledSet#HELD_OUT_SEED}; {@link
 * QualityTuning} measures candidates on development seeds). Each bar is a correctness requirement:
 * below it, the index would not find the right products.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class EmbeddingQualityTests {

    private static final int K = 10;
    private static final Map<Scene, Bars> BARS =
            Map.of(
                    // Tidy: no figure lower than the previous models' (builtin-color-v2 /
                    // builtin-structure-v3:
                    // 1.000, 1.000, 1.000, 0.948 = 91/96), which kept or beat those of the first
                    // ones.
                    Scene.TIDY, new Bars(1.0, 1.0, 1.0, 0.947),
                    // Untidy: the targets.
                    Scene.UNTIDY, new Bars(0.95, 0.85, 0.92, 0.95));
    private static Path root;
    private static final Map<Scene, LabelledSet> SETS = new EnumMap<>(Scene.class);
    private static final Map<Scene, Boolean> BUILT = new EnumMap<>(Scene.class);

    @Autowired JobService jobs;

    /** Lowest acceptable figures of one set. */
    private record Bars(
            double color, double structure, double combinedTop1, double nearDuplicates) {}

    @DynamicPropertySource
    static void catalogue(DynamicPropertyRegistry registry) throws IOException {
        root = Files.createTempDirectory("quality");
        SETS.put(Scene.TIDY, LabelledSet.write(root.resolve("tidy"), 6, 24, 256));
        SETS.put(
                Scene.UNTIDY,
                LabelledSet.writeUntidy(
                        root.resolve("untidy"), 6, 50, 320, LabelledSet.HELD_OUT_SEED));
        registry.add("fsb.storage.local.root", () -> root.resolve("storage").toString());
        registry.add("fsb.catalog.location", () -> SETS.get(Scene.TIDY).catalogue().toString());
        // Jobs name the untidy set's catalogue, beside the tidy one: both lie under the test's own
        // folder.
        registry.add("fsb.catalog.allowed-roots", root::toString);
    }

    @ParameterizedTest
    @EnumSource(Scene.class)
    void colorFindsTheSameColourWhateverTheShape(Scene scene) throws Exception {
        double precision =
                precisionAt(scene, K, "color", (query, hit) -> query.paint() == hit.paint());
        print(scene, "color      precision@10 same colour", precision);
        assertThat(precision).isGreaterThanOrEqualTo(BARS.get(scene).color());
    }

    @ParameterizedTest
    @EnumSource(Scene.class)
    void structureFindsTheSameShapeWhateverTheColour(Scene scene) throws Exception {
        double precision =
                precisionAt(
                        scene, K, "structure", (query, hit) -> query.outline() == hit.outline());
        print(scene, "structure  precision@10 same shape", precision);
        assertThat(precision).isGreaterThanOrEqualTo(BARS.get(scene).structure());
    }

    @ParameterizedTest
    @EnumSource(Scene.class)
    void combinedRanksSameShapeAndColourFirst(Scene scene) throws Exception {
        double top1 =
                precisionAt(
                        scene,
                        1,
                        "combined",
                        (query, hit) ->
                                query.outline() == hit.outline() && query.paint() == hit.paint());
        print(scene, "combined   top-1 same shape and colour", top1);
        assertThat(top1).isGreaterThanOrEqualTo(BARS.get(scene).combinedTop1());
    }

    @ParameterizedTest
    @EnumSource(Scene.class)
    void combinedFindsTheOriginalOfANearDuplicate(Scene scene) throws Exception {
        Neighbours neighbours = neighbours(scene, "combined", 3);
        int queries = 0;
        int found = 0;
        for (int row = 0; row < neighbours.ids.size(); row++) {
            Label query = label(scene, neighbours.ids.get(row));
            if (query.group() < 0 || query.original()) {
                continue;
            }
            queries++;
            for (int rank = 0; rank < 3; rank++) {
                Label hit = label(scene, neighbours.hit(row, rank));
                if (hit.group() == query.group() && hit.original()) {
                    found++;
                    break;
                }
            }
        }
        double recall = (double) found / queries;
        print(scene, "combined   near-duplicate recall@3 of the original", recall);
        assertThat(recall).isGreaterThanOrEqualTo(BARS.get(scene).nearDuplicates());
    }

    /**
     * Mean share of the k nearest neighbours (self excluded) that match, over the labelled
     * variants.
     */
    private double precisionAt(Scene scene, int k, String type, BiPredicate<Label, Label> relevant)
            throws Exception {
        Neighbours neighbours = neighbours(scene, type, k);
        int queries = 0;
        int hits = 0;
        for (int row = 0; row < neighbours.ids.size(); row++) {
            Label query = label(scene, neighbours.ids.get(row));
            if (query.group() >= 0) {
                continue;
            }
            queries++;
            for (int rank = 0; rank < k; rank++) {
                if (relevant.test(query, label(scene, neighbours.hit(row, rank)))) {
                    hits++;
                }
            }
        }
        return (double) hits / (queries * k);
    }

    private Neighbours neighbours(Scene scene, String type, int k) throws Exception {
        Path storage = buildOnce(scene);
        StoredIndex.Vectors vectors = StoredIndex.vectors(storage, type);
        assertThat(vectors.catalogIds()).hasSize(SETS.get(scene).labels().size());
        int rows = vectors.catalogIds().size();
        long[] rowIds = new long[rows];
        for (int i = 0; i < rows; i++) {
            rowIds[i] = i;
        }
        try (FaissIndex index =
                FaissIndex.create(vectors.dimension(), "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(vectors.values(), rowIds);
            FaissIndex.SearchResult result = index.search(vectors.values(), k + 1);
            return new Neighbours(vectors.catalogIds(), result, k);
        }
    }

    /**
     * Builds the set's three indexes once, each set under its own prefix; returns where they are.
     */
    private synchronized Path buildOnce(Scene scene) throws InterruptedException {
        String prefix = scene.name().toLowerCase(Locale.ROOT);
        Path storage = root.resolve("storage").resolve(prefix);
        if (BUILT.containsKey(scene)) {
            return storage;
        }
        Job job =
                jobs.submit(
                        new JobRequest(
                                null,
                                new CatalogOverride(null, SETS.get(scene).catalogue().toString()),
                                prefix,
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                null));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!job.state().isFinished() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.view(job).counts().failed()).isZero();
        BUILT.put(scene, true);
        return storage;
    }

    private static Label label(Scene scene, String catalogId) {
        return SETS.get(scene).labels().get(catalogId);
    }

    private static void print(Scene scene, String what, double value) {
        System.out.printf(Locale.ROOT, "QUALITY %-6s %-52s %.3f%n", scene, what, value);
    }

    /** Search results of every stored vector against its own index, without the query itself. */
    private record Neighbours(List<String> ids, FaissIndex.SearchResult result, int k) {

        String hit(int row, int rank) {
            int skipped = 0;
            for (int r = 0; r <= k; r++) {
                long id = result.id(row, r);
                if (id == row) {
                    skipped = 1;
                    continue;
                }
                if (r - skipped == rank) {
                    return ids.get((int) id);
                }
            }
            throw new IllegalStateException(
                    "fewer than " + (rank + 1) + " neighbours for row " + row);
        }
    }
}
