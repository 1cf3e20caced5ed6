package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.index.FaissIds;
import dev.faissshard.index.IdFile;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the service (SIGKILL, a separate JVM) before, during and after the training of a trained
 * factory ({@code IVF4,SQ8}, trained on the first 160 vectors: batch 20 of 8), restarts it and
 * resumes. Every image ends in every index type exactly once, and every shard of a type names the
 * one training recorded in progress and the manifest, whose object has that sha256: never two
 * trainings mixed.
 */
class TrainedResumeAfterKillTests {

    private static final int IMAGES = 240;
    private static final String[] TYPES = {"color", "structure", "combined"};
    private static final String[] TRAINED = {
        "--fsb.shard.factory=IVF4,SQ8", "--fsb.shard.training-sample=160"
    };

    @TempDir Path dir;

    @Test
    @SuppressWarnings("unchecked")
    void killsAroundTrainingResumeIntoExactlyOnceIndexesOfOneTraining() throws Exception {
        try (ImageServer server = new ImageServer()) {
            Set<String> catalogue = new HashSet<>();
            Path catalog = writeCatalogue(server, catalogue);
            Path storage = dir.resolve("storage");

            // After batch 3 (buffering), inside batch 20 (the one that trains and uploads the
            // trained index), and after training.
            long[] killAfterBatch = {3, 19, 23};
            for (long batches : killAfterBatch) {
                try (ServiceProcess service =
                        ServiceProcess.start(dir, storage, catalog, TRAINED)) {
                    service.postJob();
                    service.awaitBatches(storage, batches);
                    service.kill();
                }
            }
            Map<String, Object> finalJob;
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog, TRAINED)) {
                finalJob = service.awaitFinished(service.postJob());
            }
            assertThat(finalJob.get("state")).as("final job %s", finalJob).isEqualTo("SUCCEEDED");

            Set<Long> expected = new HashSet<>();
            catalogue.forEach(id -> expected.add(FaissIds.of(id)));
            Map<String, Object> progress = StoredIndex.progress(storage);
            Map<String, Object> manifest = StoredIndex.manifest(storage);
            Map<String, Map<String, Object>> indexes =
                    (Map<String, Map<String, Object>>) progress.get("indexes");
            List<Map<String, Object>> trainedEntries =
                    (List<Map<String, Object>>) manifest.get("trained");
            for (String type : TYPES) {
                Map<String, Object> trained =
                        (Map<String, Object>) indexes.get(type).get("trained");
                assertThat(trained).as("%s training recorded", type).isNotNull();
                String sha = (String) trained.get("sha256");
                assertThat(trained.get("file")).isEqualTo("faiss/" + type + "_trained.faiss");
                assertThat(
                                sha256(
                                        Files.readAllBytes(
                                                storage.resolve(
                                                        "faiss/" + type + "_trained.faiss"))))
                        .as("%s trained object", type)
                        .isEqualTo(sha);
                assertThat(trainedEntries)
                        .filteredOn(entry -> type.equals(entry.get("type")))
                        .singleElement()
                        .satisfies(entry -> assertThat(entry.get("sha256")).isEqualTo(sha));
                List<Long> ids = new ArrayList<>();
                int shards = 0;
                for (Map<String, Object> shard :
                        (List<Map<String, Object>>) indexes.get(type).get("sealedShards")) {
                    assertThat(shard.get("trainedSha256"))
                            .as("%s shard %s", type, shard.get("file"))
                            .isEqualTo(sha);
                    ids.addAll(shardIds(storage, shard));
                    shards++;
                }
                assertThat(shards).as("%s shards", type).isGreaterThan(1);
                // The finished job keeps its tail open: flat segments the next job carries into
                // a shard of the same training.
                for (Map<String, Object> segment :
                        (List<Map<String, Object>>) indexes.get(type).get("openSegments")) {
                    ids.addAll(shardIds(storage, segment));
                }
                assertThat(ids).as("%s ids", type).doesNotHaveDuplicates();
                assertThat(new HashSet<>(ids)).as("%s ids", type).isEqualTo(expected);
            }
        }
    }

    /** A shard's ids as FAISS holds them, checked against its id file. */
    private static List<Long> shardIds(Path storage, Map<String, Object> shard) throws IOException {
        byte[] data = Files.readAllBytes(storage.resolve((String) shard.get("file")));
        assertThat(sha256(data)).isEqualTo(shard.get("sha256"));
        List<Long> fromFile = new ArrayList<>();
        for (IdFile.Entry entry :
                IdFile.read(Files.readAllBytes(storage.resolve((String) shard.get("idsFile"))))) {
            fromFile.add(entry.faissId());
        }
        try (FaissIndex index = FaissIndex.fromBytes(data)) {
            assertThat(index.isTrained()).isTrue();
            List<Long> held = new ArrayList<>();
            for (long id : index.ids()) {
                held.add(id);
            }
            assertThat(new HashSet<>(held)).isEqualTo(new HashSet<>(fromFile));
            assertThat(held).hasSameSizeAs(fromFile);
        }
        return fromFile;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private Path writeCatalogue(ImageServer server, Set<String> catalogue) throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            String id = String.valueOf(5000 + i);
            String path = "/t/" + i + ".jpg";
            byte[] jpeg =
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 160),
                            0.85f);
            server.put(path, new ImageServer.Resource(200, "image/jpeg", jpeg, 15));
            catalogue.add(id);
            csv.append(id).append(',').append(server.url(path)).append('\n');
        }
        Path catalog = dir.resolve("catalog.csv");
        Files.writeString(catalog, csv);
        return catalog;
    }
}
