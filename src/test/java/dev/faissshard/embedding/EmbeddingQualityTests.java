package dev.faissshard.embedding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.shard.faiss.Metric;
import dev.faissshard.testimages.LabelledSet;
import dev.faissshard.testimages.LabelledSet.Label;
import dev.faissshard.testimages.StoredIndex;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retrieval quality of the built-in models on a generated, labelled catalogue (8 outlines x 8 paints x
 * 6 jittered JPEG variants, plus near-duplicate groups), with the indexes built by the service itself
 * and read back from storage. Each bar is a correctness requirement: below it, the index would not find
 * the right products.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class EmbeddingQualityTests {

    private static final int K = 10;
    private static Path storage;
    private static LabelledSet set;

    @Autowired
    JobService jobs;

    @DynamicPropertySource
    static void catalogue(DynamicPropertyRegistry registry) throws IOException {
        Path root = Files.createTempDirectory("quality");
        storage = root.resolve("storage");
        set = LabelledSet.write(root.resolve("catalogue"), 6, 24, 256);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", () -> set.catalogue().toString());
    }

    private static boolean built;

    @Test
    void colorFindsTheSameColourWhateverTheShape() throws Exception {
        double precision = precisionAt(K, "color", (query, hit) -> query.paint() == hit.paint());
        print("color      precision@10 same colour", precision);
        assertThat(precision).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void structureFindsTheSameShapeWhateverTheColour() throws Exception {
        double precision = precisionAt(K, "structure", (query, hit) -> query.outline() == hit.outline());
        print("structure  precision@10 same shape", precision);
        assertThat(precision).isGreaterThanOrEqualTo(0.80);
    }

    @Test
    void combinedRanksSameShapeAndColourFirst() throws Exception {
        double top1 = precisionAt(1, "combined",
                (query, hit) -> query.outline() == hit.outline() && query.paint() == hit.paint());
        print("combined   top-1 same shape and colour", top1);
        assertThat(top1).isGreaterThanOrEqualTo(0.90);
    }

    @Test
    void combinedFindsTheOriginalOfANearDuplicate() throws Exception {
        Neighbours neighbours = neighbours("combined", 3);
        int queries = 0;
        int found = 0;
        for (int row = 0; row < neighbours.ids.size(); row++) {
            Label query = label(neighbours.ids.get(row));
            if (query.group() < 0 || query.original()) {
                continue;
            }
            queries++;
            for (int rank = 0; rank < 3; rank++) {
                Label hit = label(neighbours.hit(row, rank));
                if (hit.group() == query.group() && hit.original()) {
                    found++;
                    break;
                }
            }
        }
        double recall = (double) found / queries;
        print("combined   near-duplicate recall@3 of the original", recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.90);
    }

    /** Mean share of the k nearest neighbours (self excluded) that match, over the jittered variants. */
    private double precisionAt(int k, String type, BiPredicate<Label, Label> relevant) throws Exception {
        Neighbours neighbours = neighbours(type, k);
        int queries = 0;
        int hits = 0;
        for (int row = 0; row < neighbours.ids.size(); row++) {
            Label query = label(neighbours.ids.get(row));
            if (query.group() >= 0) {
                continue;
            }
            queries++;
            for (int rank = 0; rank < k; rank++) {
                if (relevant.test(query, label(neighbours.hit(row, rank)))) {
                    hits++;
                }
            }
        }
        return (double) hits / (queries * k);
    }

    private Neighbours neighbours(String type, int k) throws Exception {
        buildOnce();
        StoredIndex.Vectors vectors = StoredIndex.vectors(storage, type);
        assertThat(vectors.catalogIds()).hasSize(set.labels().size());
        int rows = vectors.catalogIds().size();
        long[] rowIds = new long[rows];
        for (int i = 0; i < rows; i++) {
            rowIds[i] = i;
        }
        try (FaissIndex index = FaissIndex.create(vectors.dimension(), "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(vectors.values(), rowIds);
            FaissIndex.SearchResult result = index.search(vectors.values(), k + 1);
            return new Neighbours(vectors.catalogIds(), result, k);
        }
    }

    private synchronized void buildOnce() throws InterruptedException {
        if (built) {
            return;
        }
        Job job = jobs.submit(JobRequest.defaults());
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!job.state().isFinished() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.view(job).counts().failed()).isZero();
        built = true;
    }

    private static Label label(String catalogId) {
        return set.labels().get(catalogId);
    }

    private static void print(String what, double value) {
        System.out.printf(Locale.ROOT, "QUALITY %-52s %.3f%n", what, value);
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
            throw new IllegalStateException("fewer than " + (rank + 1) + " neighbours for row " + row);
        }
    }
}
