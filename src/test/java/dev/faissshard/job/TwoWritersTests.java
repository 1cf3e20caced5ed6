package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.index.FaissIds;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two service processes (separate JVMs) on one storage folder, as two replicas or a second compose
 * stack would be: the second is refused while the first builds, takes the index over once the first
 * was killed (at once, since it sees the first's process gone from this machine; elsewhere after
 * the lease expired), and the result holds every image exactly once.
 */
class TwoWritersTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 160;
    private static final String[] LEASE = {"--fsb.lease.ttl=6s", "--fsb.lease.clock-skew=1s"};

    @TempDir Path dir;

    @Test
    void aSecondProcessIsRefusedWhileTheFirstBuildsAndTakesOverOnceItsLeaseExpired()
            throws Exception {
        try (ImageServer server = new ImageServer()) {
            Set<Long> expected = new HashSet<>();
            StringBuilder csv = new StringBuilder("id,image_url\n");
            for (int i = 0; i < IMAGES; i++) {
                String path = "/p/" + i + ".jpg";
                byte[] jpeg =
                        ProductImageGenerator.jpeg(
                                ProductImageGenerator.render(
                                        ProductImageGenerator.catalogueSpec(i), 128),
                                0.85f);
                // Slow enough that the first process is still building when the second one asks.
                server.put(path, new ImageServer.Resource(200, "image/jpeg", jpeg, 40));
                csv.append(5000 + i).append(',').append(server.url(path)).append('\n');
                expected.add(FaissIds.of(String.valueOf(5000 + i)));
            }
            Path catalog = Files.writeString(dir.resolve("catalog.csv"), csv);
            Path storage = dir.resolve("storage");

            try (ServiceProcess first = ServiceProcess.start(dir, storage, catalog, LEASE);
                    ServiceProcess second = ServiceProcess.start(dir, storage, catalog, LEASE)) {
                first.postJob();
                first.awaitBatches(storage, 1);
                HttpResponse<String> refused = second.submit();
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
                @SuppressWarnings("unchecked")
                Map<String, Object> problem = JSON.readValue(refused.body(), Map.class);
                assertThat(problem.get("type"))
                        .isEqualTo("https://faiss-shard-builder.dev/problems/index-lease-held");
                assertThat(problem).containsKeys("owner", "host", "ownerJobId", "leaseExpiresAt");

                first.kill();
                String location = submitUntilAccepted(second);
                Map<String, Object> finished = second.awaitFinished(location);
                assertThat(finished.get("state")).as("job %s", finished).isEqualTo("SUCCEEDED");
                // Both processes run on this machine, so the second sees the first's process gone
                // at once.
                assertThat(second.log()).contains("Taking over the lease").contains("is gone");
            }
            for (String type : new String[] {"color", "structure", "combined"}) {
                StoredIndex.Contents contents = StoredIndex.read(storage, type);
                assertThat(contents.faissIds()).as("%s ids", type).doesNotHaveDuplicates();
                assertThat(new HashSet<>(contents.faissIds()))
                        .as("%s ids", type)
                        .isEqualTo(expected);
            }
            assertThat(leaseObjects(storage)).as("one generation left, released").hasSize(1);
        }
    }

    /** Retry until the index is free, as a user or a retrying scheduler would. */
    private static String submitUntilAccepted(ServiceProcess service) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = service.submit();
            if (response.statusCode() == 202) {
                return response.headers().firstValue("Location").orElseThrow();
            }
            assertThat(response.statusCode()).as(response.body()).isEqualTo(409);
            Thread.sleep(500);
        }
        throw new AssertionError("the index was not taken over within 90 s");
    }

    private static List<Path> leaseObjects(Path storage) throws IOException {
        try (var files = Files.list(storage.resolve("faiss/lease"))) {
            return files.toList();
        }
    }
}
