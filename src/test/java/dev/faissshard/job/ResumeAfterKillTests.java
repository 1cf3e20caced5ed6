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
 * is in every index type exactly once, and every failure is recorded with its reason, exactly once,
 * in the compact state (failure log, no leftover objects).
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
                // The finished build keeps its tail open (the next job fills it): every shard
                // but the open one is full.
                assertThat(contents.shards())
                        .as("%s shards", type)
                        .isEqualTo(embeddable.size() / 70);
                assertThat(contents.faissIds().size() - contents.shards() * 70L)
                        .as("%s vectors in the open tail", type)
                        .isLessThan(70);
            }
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> failures = StoredIndex.failures(storage);
            Map<String, String> recorded = new HashMap<>();
            failures.forEach((id, failure) -> recorded.put(id, (String) failure.get("reason")));
            assertThat(recorded).isEqualTo(expectedFailures);
            assertThat(failures.values())
                    .as("each permanent failure recorded exactly once across the kills")
                    .allSatisfy(failure -> assertThat(failure.get("attempts")).isEqualTo(1));
            assertCompactState(storage);
            Set<String> named = new HashSet<>();
            @SuppressWarnings("unchecked")
            var segments =
                    (java.util.List<Map<String, Object>>)
                            StoredIndex.manifest(storage).get("openSegments");
            segments.forEach(
                    segment -> {
                        named.add((String) segment.get("file"));
                        named.add((String) segment.get("idsFile"));
                        // the segment's row fingerprints sit beside it (named by progress.json)
                        named.add(((String) segment.get("file")).replace(".faiss", ".urls.bin"));
                    });
            try (var open =
                    Files.exists(storage.resolve("faiss/open"))
                            ? Files.list(storage.resolve("faiss/open"))
                            : java.util.stream.Stream.<Path>empty()) {
                // A kill in the middle of a write leaves its hidden temp file (".tmp-..."), which
                // no listing shows and which LocalStorageClient removes once it is older than
                // STALE_TEMP_AGE (LocalStorageClientTests): younger, it may be another writer's.
                assertThat(
                                open.map(path -> storage.relativize(path).toString())
                                        .filter(key -> !key.startsWith("faiss/open/.tmp-"))
                                        .toList())
                        .as("no leftovers of killed runs: only the manifest's open segments")
                        .containsExactlyInAnyOrderElementsOf(named);
            }
        }
    }

    /**
     * The compact state survives the kills: progress.json (format 2) holds no failure itself, the
     * finished job left its failure log compacted, and every failure-log or shard-record object in
     * storage is one progress.json names (no leftover of a killed run).
     */
    @SuppressWarnings("unchecked")
    private static void assertCompactState(Path storage) throws IOException {
        Map<String, Object> progress = StoredIndex.progress(storage);
        assertThat(progress.get("formatVersion")).isEqualTo(2);
        assertThat((Map<String, Object>) progress.get("failures")).isEmpty();
        Set<String> named = new HashSet<>();
        for (Map<String, Object> record :
                (java.util.List<Map<String, Object>>) progress.get("failureLog")) {
            named.add((String) record.get("file"));
            assertThat((String) record.get("file")).startsWith("faiss/failures/compacted_");
        }
        ((Map<String, java.util.List<Map<String, Object>>>) progress.get("shardChunks"))
                .values()
                .forEach(chunks -> chunks.forEach(chunk -> named.add((String) chunk.get("file"))));
        for (String folder : new String[] {"faiss/failures", "faiss/state"}) {
            if (Files.exists(storage.resolve(folder))) {
                try (var files = Files.list(storage.resolve(folder))) {
                    assertThat(
                                    files.map(file -> folder + "/" + file.getFileName())
                                            .filter(key -> !key.startsWith(folder + "/.tmp-"))
                                            .toList())
                            .as("objects under %s", folder)
                            .allSatisfy(key -> assertThat(named).contains(key));
                }
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
