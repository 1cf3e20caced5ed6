package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.index.FaissIds;
import dev.faissshard.shard.AutoFactory;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real builds of one catalogue of 2,400 generated product pictures (real ONNX models, real
 * FAISS, the pictures served over loopback HTTP), combined vectors only: one under {@code factory:
 * auto} with a budget that exact vectors exceed, one with exact vectors ({@code IDMap,Flat}). The
 * first must end with the factory {@link AutoFactory} chooses for that catalogue and why, in its
 * log and manifest; the recall@10 it records must be what the test measures itself from the exact
 * vectors of the second build and the trained index the first one stored.
 */
class AutoFactoryBuildTests {

    private static final int IMAGES = 2_400;
    private static final int DIMENSION = 1_164;
    private static final long EXPECTED_VECTORS = 1_000_000;
    // A twentieth of 1M exact combined vectors (1M x (4 x 1,164 + 8) = 4,664,000,000 bytes).
    private static final long BUDGET = 233_200_000;
    private static final double FLOOR = 0.9;
    private static final long TRAINING_SAMPLE = 2_000;
    private static final int NPROBE = 16;
    private static final String EXPECTED_FACTORY = "PCAR208,IVF32,SQ8";
    private static final String JOB = "{\"batchSize\":64,\"indexTypes\":[\"combined\"]}";

    @TempDir static Path dir;

    private static ImageServer server;
    private static Path autoStorage;
    private static Path flatStorage;
    private static String autoLog;
    private static Map<String, Object> autoJob;
    private static Map<String, Object> flatJob;

    @BeforeAll
    static void buildBothWays() throws Exception {
        server = new ImageServer();
        Path catalog = writeCatalogue();
        autoStorage = dir.resolve("auto");
        flatStorage = dir.resolve("flat");
        try (ServiceProcess service =
                ServiceProcess.start(
                        dir,
                        autoStorage,
                        catalog,
                        "--fsb.shard.factory=auto",
                        "--fsb.shard.training-sample=" + TRAINING_SAMPLE,
                        "--fsb.shard.quality-nprobe=" + NPROBE,
                        "--fsb.shard.auto.expected-vectors=" + EXPECTED_VECTORS,
                        "--fsb.shard.auto.memory-budget=" + BUDGET + "B",
                        "--fsb.shard.auto.recall-floor=" + FLOOR)) {
            autoJob = service.awaitFinished(service.postJob(JOB), 900);
            autoLog = service.log();
        }
        try (ServiceProcess service =
                ServiceProcess.start(dir, flatStorage, catalog, "--fsb.shard.factory=IDMap,Flat")) {
            flatJob = service.awaitFinished(service.postJob(JOB), 900);
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void autoEndsWithTheFactoryItsRulesGiveForTheCatalogueAndSaysWhy() throws IOException {
        assertThat(autoJob.get("state")).as("auto job %s", autoJob).isEqualTo("SUCCEEDED");
        AutoFactory.Choice rules =
                AutoFactory.choose(
                        EXPECTED_VECTORS, DIMENSION, BUDGET, FLOOR, TRAINING_SAMPLE, 45L << 20);
        // Worked by hand from the rules (AutoFactoryTests checks each): 1M exact vectors take
        // 4,664,000,000 bytes, over the budget; 39 x 32 = 1,248 <= 2,000 training vectors < 39 x
        // 64, so 32 lists; under inner product the codes are EXPECTED_FACTORY.
        assertThat(rules.factory()).isEqualTo(EXPECTED_FACTORY);

        Map<String, Object> manifest = StoredIndex.manifest(autoStorage);
        Map<String, Object> trained =
                ((List<Map<String, Object>>) manifest.get("trained"))
                        .stream()
                                .filter(entry -> "combined".equals(entry.get("type")))
                                .findFirst()
                                .orElseThrow();
        assertThat(trained.get("factory")).isEqualTo(rules.factory());
        assertThat(trained.get("choice")).isEqualTo(rules.reason());
        assertThat(trained.get("sampleVectors")).isEqualTo((int) TRAINING_SAMPLE);
        try (FaissIndex index =
                FaissIndex.read(autoStorage.resolve((String) trained.get("file")))) {
            assertThat(index.invertedLists()).isEqualTo(32);
        }
        assertThat(autoLog)
                .contains(
                        "factory auto chose "
                                + rules.factory()
                                + " for "
                                + DIMENSION
                                + "-dimensional vectors: "
                                + rules.reason());
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRecordedRecallIsTheRecallOfTheStoredTrainedIndexAgainstExactSearch()
            throws IOException {
        assertThat(autoJob.get("state")).as("auto job %s", autoJob).isEqualTo("SUCCEEDED");
        assertThat(flatJob.get("state")).as("flat job %s", flatJob).isEqualTo("SUCCEEDED");
        Map<String, Object> quality =
                (Map<String, Object>)
                        ((Map<String, Object>) StoredIndex.manifest(autoStorage).get("quality"))
                                .get("combined");
        assertThat(quality).as("quality recorded").isNotNull();

        // The sample the build measured on: one vector in four by the SplitMix64 finaliser of its
        // FAISS id (RecallSample), in the order the build added them, the first 200 the queries.
        StoredIndex.Vectors exact = StoredIndex.vectors(flatStorage, "combined");
        Map<Long, float[]> byId = new HashMap<>();
        for (int row = 0; row < exact.catalogIds().size(); row++) {
            byId.put(
                    FaissIds.of(exact.catalogIds().get(row)),
                    Arrays.copyOfRange(exact.values(), row * DIMENSION, (row + 1) * DIMENSION));
        }
        assertThat(byId).hasSize(IMAGES);
        List<Long> sampleIds = new ArrayList<>();
        // The flat build added them in the order the auto build offered them (catalogue order).
        for (String catalogId : exact.catalogIds()) {
            long id = FaissIds.of(catalogId);
            if ((mix(id) & 3) == 0) {
                sampleIds.add(id);
            }
        }
        int n = sampleIds.size();
        assertThat(quality.get("sampleSize")).isEqualTo(n);
        int queries = Math.min(200, n);
        assertThat(quality.get("queries")).isEqualTo(queries);
        assertThat(quality.get("nprobe")).isEqualTo(NPROBE);

        float[] sample = new float[n * DIMENSION];
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = sampleIds.get(i);
            System.arraycopy(byId.get(ids[i]), 0, sample, i * DIMENSION, DIMENSION);
        }
        // Exact top 10 by inner product, computed here without FAISS.
        List<Set<Long>> truth = new ArrayList<>();
        for (int q = 0; q < queries; q++) {
            double[] scores = new double[n];
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                double dot = 0;
                for (int j = 0; j < DIMENSION; j++) {
                    dot += sample[q * DIMENSION + j] * sample[i * DIMENSION + j];
                }
                scores[i] = dot;
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
            Set<Long> top = new HashSet<>();
            for (int r = 0; r < 10; r++) {
                top.add(ids[order[r]]);
            }
            truth.add(top);
        }
        // The approximate top 10: the trained index the build stored, holding the sample.
        Map<String, Object> trained =
                ((List<Map<String, Object>>) StoredIndex.manifest(autoStorage).get("trained"))
                        .get(0);
        long hits = 0;
        try (FaissIndex index =
                FaissIndex.read(autoStorage.resolve((String) trained.get("file")))) {
            assertThat(index.metric()).isEqualTo(Metric.INNER_PRODUCT);
            index.addWithIds(sample, ids);
            assertThat(index.setSearchParameter("nprobe", NPROBE)).isTrue();
            long[] found = index.searchIds(Arrays.copyOf(sample, queries * DIMENSION), 10);
            for (int q = 0; q < queries; q++) {
                for (int r = 0; r < 10; r++) {
                    if (truth.get(q).contains(found[q * 10 + r])) {
                        hits++;
                    }
                }
            }
        }
        double measured = (double) hits / (queries * 10L);
        // Same sample, same trained bytes, same library: the two measures differ only where
        // float and double inner products order near-equal neighbours differently, a few of the
        // 2,000 (query, rank) pairs at most; 0.01 is 20 of them.
        assertThat(((Number) quality.get("recallAt10")).doubleValue())
                .as("recorded against measured here (%d hits of %d)", hits, queries * 10)
                .isCloseTo(measured, org.assertj.core.data.Offset.offset(0.01));
        // And a measure, not a constant: under exact search recall would be 1, with no code 0.
        assertThat(measured).isBetween(0.05, 0.999);
    }

    /** RecallSample's choice of a vector (SplitMix64's finaliser of its id). */
    private static long mix(long id) {
        long z = id + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static Path writeCatalogue() throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            String path = "/a/" + i + ".jpg";
            byte[] jpeg =
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 96),
                            0.85f);
            server.put(path, new ImageServer.Resource(200, "image/jpeg", jpeg, 0));
            csv.append(9000 + i).append(',').append(server.url(path)).append('\n');
        }
        Path catalog = dir.resolve("catalog.csv");
        Files.writeString(catalog, csv);
        return catalog;
    }
}
