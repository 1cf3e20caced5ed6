package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A run killed between the {@code progress.json} write and the manifest write of a batch that
 * sealed a shard leaves a manifest one batch behind, still naming the open segments the seal made
 * obsolete. The next run must not delete them before the manifest stops naming them: a reader
 * following the manifest gets every vector it names at every step, and the index ends exact.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ManifestCrashWindowTests {

    private static final int IMAGES = 30;
    private static final List<String> TYPES = List.of("color", "structure", "combined");

    private static Path root;
    private static Path storageRoot;
    private static ImageServer images;

    @Autowired JobService jobs;

    @Autowired ManifestAuditingStorage storage;

    @TestConfiguration
    static class KillableStorage {

        @Bean
        @Primary
        ManifestAuditingStorage auditingStorage() {
            return new ManifestAuditingStorage(new LocalStorageClient(storageRoot));
        }
    }

    @BeforeAll
    static void serveImages() throws IOException {
        images = new ImageServer();
        for (int i = 0; i < IMAGES; i++) {
            images.image(
                    "/" + i + ".jpg",
                    ProductImageGenerator.jpeg(
                            ProductImageGenerator.render(
                                    ProductImageGenerator.catalogueSpec(i), 96),
                            0.85f));
        }
    }

    @AfterAll
    static void stopImages() {
        images.close();
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) throws IOException {
        root = Files.createTempDirectory("crash-window");
        storageRoot = root.resolve("storage");
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            csv.append(700 + i).append(',').append(images.url("/" + i + ".jpg")).append('\n');
        }
        Path catalogue = Files.writeString(root.resolve("catalog.csv"), csv);
        registry.add("fsb.storage.local.root", storageRoot::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        // Two segments (4 and 8 vectors) are flushed before the third batch seals a 10-vector
        // shard.
        registry.add("fsb.job.batch-size", () -> "4");
        // The test image server is on loopback, which the egress policy refuses unless allowed.
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.shard.max-vectors", () -> "10");
    }

    @Test
    void killBetweenProgressAndManifestWritesNeverLeavesTheManifestNamingMissingObjects()
            throws Exception {
        storage.armKillAfterSealingProgressWrite();
        Job killed = jobs.submit(JobRequest.defaults());
        await(killed);
        assertThat(storage.killed()).as("the run died in the window").isTrue();
        assertThat(killed.state()).isEqualTo(JobState.FAILED);

        // The window itself: progress has sealed a shard the manifest does not name yet, and the
        // manifest still names segments progress dropped.
        Map<String, Object> progress = StoredIndex.progress(storageRoot);
        Map<String, Object> manifest = StoredIndex.manifest(storageRoot);
        assertThat(sealedShards(progress, "color")).isEqualTo(1);
        assertThat((List<?>) manifest.get("shards")).isEmpty();
        Set<String> staleSegments = new HashSet<>(files(manifest, "openSegments"));
        staleSegments.removeAll(segmentFiles(progress));
        assertThat(staleSegments)
                .as("segments only the lagging manifest names")
                .isNotEmpty()
                .allSatisfy(file -> assertThat(storageRoot.resolve(file)).exists());
        assertThat(storage.violations()).isEmpty();

        storage.restart();
        Job resumed = jobs.submit(JobRequest.defaults());
        await(resumed);
        assertThat(resumed.state())
                .as("resumed job, last error %s", resumed.lastError())
                .isEqualTo(JobState.SUCCEEDED);

        assertThat(storage.violations())
                .as("moments a manifest reader would have missed vectors")
                .isEmpty();
        assertThat(storage.audits()).as("manifest checks made").isGreaterThan(10);
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < IMAGES; i++) {
            expected.add(String.valueOf(700 + i));
        }
        for (String type : TYPES) {
            StoredIndex.Contents contents = StoredIndex.read(storageRoot, type);
            assertThat(contents.catalogIds())
                    .as("%s: every catalogue id exactly once", type)
                    .doesNotHaveDuplicates()
                    .hasSize(IMAGES);
            assertThat(new HashSet<>(contents.catalogIds())).isEqualTo(expected);
        }
        // The finished build keeps its tail open: exactly the manifest's open segments remain.
        Set<String> named = new HashSet<>();
        for (String file : files(StoredIndex.manifest(storageRoot), "openSegments")) {
            named.add(file);
            named.add(file.replace(".faiss", ".ids.tsv"));
            // the segment's row fingerprints (updated rows) sit beside it, named by progress.json
            named.add(file.replace(".faiss", ".urls.bin"));
        }
        try (Stream<Path> open = Files.list(storageRoot.resolve("faiss/open"))) {
            assertThat(open.map(path -> storageRoot.relativize(path).toString()).toList())
                    .as("segments left after the finished build")
                    .containsExactlyInAnyOrderElementsOf(named);
        }
    }

    private static void await(Job job) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!job.state().isFinished()) {
            assertThat(System.nanoTime()).as("job %s finished", job.id()).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @SuppressWarnings("unchecked")
    private static int sealedShards(Map<String, Object> progress, String type) {
        Map<String, Map<String, Object>> indexes =
                (Map<String, Map<String, Object>>) progress.get("indexes");
        return ((List<?>) indexes.get(type).get("sealedShards")).size();
    }

    @SuppressWarnings("unchecked")
    private static Set<String> segmentFiles(Map<String, Object> progress) {
        Set<String> files = new HashSet<>();
        Map<String, Map<String, Object>> indexes =
                (Map<String, Map<String, Object>>) progress.get("indexes");
        indexes.values()
                .forEach(
                        index ->
                                ((List<Map<String, Object>>) index.get("openSegments"))
                                        .forEach(
                                                segment ->
                                                        files.add((String) segment.get("file"))));
        return files;
    }

    @SuppressWarnings("unchecked")
    private static List<String> files(Map<String, Object> manifest, String section) {
        return ((List<Map<String, Object>>) manifest.get(section))
                .stream().map(entry -> (String) entry.get("file")).toList();
    }
}
