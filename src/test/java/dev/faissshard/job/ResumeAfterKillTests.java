package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.index.FaissIds;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Kills the service (SIGKILL, a separate JVM) in the middle of a build at several points, restarts
 * it and resumes, then checks the outcome against the catalogue: every image that can be embedded
 * is in every index type exactly once, and every failure is recorded with its reason.
 */
class ResumeAfterKillTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 360;
    private static final String[] TYPES = {"color", "structure", "combined"};

    @TempDir Path dir;

    @Test
    void killedBuildsResumeIntoExactlyOnceIndexes() throws Exception {
        try (ImageServer server = new ImageServer()) {
            Map<String, String> expectedFailures = new HashMap<>();
            Set<String> embeddable = new HashSet<>();
            Path catalog = writeCatalogue(server, embeddable, expectedFailures);
            Path storage = dir.resolve("storage");

            // Kill points by batches recorded; the poll interval puts each kill at an arbitrary
            // moment
            // inside the following batch (mid-fetch, mid-upload, between seal and progress write).
            long[] killAfterBatch = {3, 11, 24};
            for (long batches : killAfterBatch) {
                try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                    service.postJob();
                    service.awaitBatches(storage, batches);
                    service.kill();
                }
            }
            long vectorsBeforeFinalRun = colorVectors(storage);
            assertThat(vectorsBeforeFinalRun).as("earlier runs made progress").isPositive();

            Map<String, Object> finalJob;
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                String location = service.postJob();
                finalJob = service.awaitFinished(location);
            }
            assertThat(finalJob.get("state")).as("final job %s", finalJob).isEqualTo("SUCCEEDED");
            @SuppressWarnings("unchecked")
            Map<String, Object> counts = (Map<String, Object>) finalJob.get("counts");
            assertThat(((Number) counts.get("skipped")).longValue())
                    .as("resumed, not restarted")
                    .isGreaterThanOrEqualTo(vectorsBeforeFinalRun);

            Set<Long> expectedIds = new HashSet<>();
            embeddable.forEach(id -> expectedIds.add(FaissIds.of(id)));
            for (String type : TYPES) {
                StoredIndex.Contents contents = StoredIndex.read(storage, type);
                assertThat(contents.faissIds()).as("%s ids", type).doesNotHaveDuplicates();
                assertThat(new HashSet<>(contents.faissIds()))
                        .as("%s ids", type)
                        .isEqualTo(expectedIds);
                assertThat(new HashSet<>(contents.catalogIds()))
                        .as("%s catalogue ids", type)
                        .isEqualTo(embeddable);
                assertThat(contents.segments())
                        .as("%s open segments after a finished build", type)
                        .isZero();
                assertThat(contents.shards()).as("%s shards", type).isGreaterThan(1);
            }
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> failures = StoredIndex.failures(storage);
            Map<String, String> recorded = new HashMap<>();
            failures.forEach((id, failure) -> recorded.put(id, (String) failure.get("reason")));
            assertThat(recorded).isEqualTo(expectedFailures);
            try (var open =
                    Files.exists(storage.resolve("faiss/open"))
                            ? Files.list(storage.resolve("faiss/open"))
                            : java.util.stream.Stream.<Path>empty()) {
                assertThat(open.toList()).as("no leftovers of killed runs").isEmpty();
            }
        }
    }

    private Path writeCatalogue(
            ImageServer server, Set<String> embeddable, Map<String, String> failures)
            throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            // Half integer ids, half UUIDs: both must map back from the index.
            String id =
                    i % 2 == 0
                            ? String.valueOf(1000 + i)
                            : UUID.nameUUIDFromBytes(("p" + i).getBytes()).toString();
            String path = "/p/" + i + ".jpg";
            if (i % 29 == 7) {
                failures.put(id, "http_status"); // nothing served there: 404
            } else if (i % 31 == 11) {
                server.put(
                        path,
                        new ImageServer.Resource(
                                200, "image/jpeg", "<html>sold out</html>".getBytes(), 0));
                failures.put(id, "not_an_image");
            } else {
                byte[] jpeg =
                        ProductImageGenerator.jpeg(
                                ProductImageGenerator.render(
                                        ProductImageGenerator.catalogueSpec(i), 160),
                                0.85f);
                server.put(path, new ImageServer.Resource(200, "image/jpeg", jpeg, 15));
                embeddable.add(id);
            }
            csv.append(id).append(',').append(server.url(path)).append('\n');
        }
        Path catalog = dir.resolve("catalog.csv");
        Files.writeString(catalog, csv);
        return catalog;
    }

    private static long colorVectors(Path storage) throws IOException {
        return StoredIndex.read(storage, "color").faissIds().size();
    }
}
