package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM in the middle of a build (a pod eviction, a rolling update): the running job stops at a
 * batch boundary, so what it built is recorded and nothing is cut off mid-upload; the next run
 * resumes.
 */
class GracefulShutdownTests {

    private static final int IMAGES = 120;

    @TempDir Path dir;

    @Test
    void sigtermStopsTheJobAtABatchBoundaryAndTheNextRunResumes() throws Exception {
        try (ImageServer server = new ImageServer()) {
            StringBuilder csv = new StringBuilder("id,image_url\n");
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < IMAGES; i++) {
                byte[] jpeg =
                        ProductImageGenerator.jpeg(
                                ProductImageGenerator.render(
                                        ProductImageGenerator.catalogueSpec(i), 96),
                                0.85f);
                server.put("/" + i + ".jpg", new ImageServer.Resource(200, "image/jpeg", jpeg, 40));
                csv.append(9000 + i).append(',').append(server.url("/" + i + ".jpg")).append('\n');
                ids.add(String.valueOf(9000 + i));
            }
            Path catalog = Files.writeString(dir.resolve("catalog.csv"), csv);
            Path storage = dir.resolve("storage");

            long recorded;
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                service.postJob();
                service.awaitBatches(storage, 2);
                assertThat(service.terminate()).as("exit code after SIGTERM").isEqualTo(143);
                String log = service.log();
                assertThat(log)
                        .contains("stopping 1 job(s) at their next batch boundary")
                        .doesNotContain("did not reach a batch boundary")
                        .contains("stopped at a batch boundary by the service's shutdown");
                Map<String, Object> progress = StoredIndex.progress(storage);
                recorded = ((Number) progress.get("nextBatch")).longValue();
                assertThat(recorded).isGreaterThan(2);
                // What progress.json records is exactly what the manifest lets a reader see.
                assertThat(StoredIndex.read(storage, "color").faissIds())
                        .hasSizeLessThan(IMAGES)
                        .doesNotHaveDuplicates();
            }

            assertThat(ServiceProcess.runOnce(dir, storage, catalog)).isZero();
            for (String type : new String[] {"color", "structure", "combined"}) {
                StoredIndex.Contents contents = StoredIndex.read(storage, type);
                assertThat(contents.catalogIds()).doesNotHaveDuplicates();
                assertThat(new HashSet<>(contents.catalogIds())).as(type).isEqualTo(ids);
            }
        }
    }

    @Test
    void sigtermEndsAJobStuckReadingItsCatalogueWellWithinTheGrace() throws Exception {
        try (StalledPostgrest postgrest = new StalledPostgrest()) {
            Path storage = dir.resolve("stalled-storage");
            try (ServiceProcess service =
                    ServiceProcess.start(
                            dir,
                            storage,
                            Path.of("images"),
                            "--fsb.catalog.type=supabase",
                            "--fsb.supabase.url=" + postgrest.url(),
                            "--fsb.supabase.key=test-key",
                            "--fsb.supabase.read-timeout=10m",
                            "--fsb.supabase.retry.max-attempts=1",
                            "--fsb.job.shutdown-grace=30s")) {
                service.postJob();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (postgrest.stalledReads() == 0 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(postgrest.stalledReads())
                        .as("the job hangs in its catalogue read")
                        .isPositive();
                long start = System.nanoTime();
                assertThat(service.terminate()).as("exit code after SIGTERM").isEqualTo(143);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                // The read would hang for ten minutes; the service must be gone before the 30 s
                // grace ends.
                assertThat(took).isLessThan(Duration.ofSeconds(30));
                assertThat(service.log())
                        .contains("stopping 1 job(s) at their next batch boundary")
                        .contains("cancelled while reading its catalogue")
                        .doesNotContain("did not reach a batch boundary");
            }
        }
    }
}
