package dev.faissshard.job;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.faissshard.catalog.FaissIds;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kills the service (SIGKILL, a separate JVM) in the middle of a build at several points, restarts it
 * and resumes, then checks the outcome against the catalogue: every image that can be embedded is in
 * every index type exactly once, and every failure is recorded with its reason.
 */
class ResumeAfterKillTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int IMAGES = 360;
    private static final String[] TYPES = { "color", "structure", "combined" };

    @TempDir
    Path dir;

    @Test
    void killedBuildsResumeIntoExactlyOnceIndexes() throws Exception {
        try (ImageServer server = new ImageServer()) {
            Map<String, String> expectedFailures = new HashMap<>();
            Set<String> embeddable = new HashSet<>();
            Path catalog = writeCatalogue(server, embeddable, expectedFailures);
            Path storage = dir.resolve("storage");

            // Kill points by batches recorded; the poll interval puts each kill at an arbitrary moment
            // inside the following batch (mid-fetch, mid-upload, between seal and progress write).
            long[] killAfterBatch = { 3, 11, 24 };
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
            assertThat(((Number) counts.get("skipped")).longValue()).as("resumed, not restarted")
                .isGreaterThanOrEqualTo(vectorsBeforeFinalRun);

            Set<Long> expectedIds = new HashSet<>();
            embeddable.forEach(id -> expectedIds.add(FaissIds.of(id)));
            for (String type : TYPES) {
                StoredIndex.Contents contents = StoredIndex.read(storage, type);
                assertThat(contents.faissIds()).as("%s ids", type).doesNotHaveDuplicates();
                assertThat(new HashSet<>(contents.faissIds())).as("%s ids", type).isEqualTo(expectedIds);
                assertThat(new HashSet<>(contents.catalogIds())).as("%s catalogue ids", type).isEqualTo(embeddable);
                assertThat(contents.segments()).as("%s open segments after a finished build", type).isZero();
                assertThat(contents.shards()).as("%s shards", type).isGreaterThan(1);
            }
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> failures = (Map<String, Map<String, Object>>) StoredIndex.progress(storage)
                .get("failures");
            Map<String, String> recorded = new HashMap<>();
            failures.forEach((id, failure) -> recorded.put(id, (String) failure.get("reason")));
            assertThat(recorded).isEqualTo(expectedFailures);
            try (var open = Files.exists(storage.resolve("faiss/open")) ? Files.list(storage.resolve("faiss/open")) : java.util.stream.Stream.<Path>empty()) {
                assertThat(open.toList()).as("no leftovers of killed runs").isEmpty();
            }
        }
    }

    private Path writeCatalogue(ImageServer server, Set<String> embeddable, Map<String, String> failures)
            throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (int i = 0; i < IMAGES; i++) {
            // Half integer ids, half UUIDs: both must map back from the index.
            String id = i % 2 == 0 ? String.valueOf(1000 + i) : UUID.nameUUIDFromBytes(("p" + i).getBytes()).toString();
            String path = "/p/" + i + ".jpg";
            if (i % 29 == 7) {
                failures.put(id, "http_status"); // nothing served there: 404
            }
            else if (i % 31 == 11) {
                server.put(path, new ImageServer.Resource(200, "image/jpeg",
                        "<html>sold out</html>".getBytes(), 0));
                failures.put(id, "not_an_image");
            }
            else {
                byte[] jpeg = ProductImageGenerator.jpeg(
                        ProductImageGenerator.render(ProductImageGenerator.catalogueSpec(i), 160), 0.85f);
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

    /** The service in its own JVM, so that it can be killed for real. */
    static final class ServiceProcess implements AutoCloseable {

        private final Process process;
        private final URI base;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

        private ServiceProcess(Process process, URI base) {
            this.process = process;
            this.base = base;
        }

        static ServiceProcess start(Path dir, Path storage, Path catalog) throws Exception {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    "dev.faissshard.FaissShardBuilderApplication", "--server.address=127.0.0.1", "--server.port=" + port,
                    "--fsb.storage.local.root=" + storage, "--fsb.catalog.location=" + catalog,
                    "--fsb.job.batch-size=8", "--fsb.shard.max-vectors=70", "--fsb.fetch.concurrency=8"));
            Path log = dir.resolve("service-" + port + ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            ServiceProcess service = new ServiceProcess(process, URI.create("http://127.0.0.1:" + port));
            service.awaitReady(log);
            return service;
        }

        String postJob() throws Exception {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/jobs"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
            return response.headers().firstValue("Location").orElseThrow();
        }

        void awaitBatches(Path storage, long batches) throws Exception {
            Path progress = storage.resolve("progress.json");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                if (Files.exists(progress)) {
                    try {
                        Map<?, ?> json = JSON.readValue(progress.toFile(), Map.class);
                        if (((Number) json.get("nextBatch")).longValue() > batches) {
                            return;
                        }
                    }
                    catch (RuntimeException partialRead) {
                        // progress.json is replaced atomically; a failed read here is a race with the rename
                    }
                }
                assertThat(process.isAlive()).as("service alive").isTrue();
                Thread.sleep(15);
            }
            throw new AssertionError("no progress to batch " + batches + " within 120 s");
        }

        Map<String, Object> awaitFinished(String location) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (System.nanoTime() < deadline) {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(location)).build(),
                        HttpResponse.BodyHandlers.ofString());
                @SuppressWarnings("unchecked")
                Map<String, Object> view = JSON.readValue(response.body(), Map.class);
                String state = (String) view.get("state");
                if (state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED")) {
                    return view;
                }
                Thread.sleep(100);
            }
            throw new AssertionError("job did not finish within 180 s");
        }

        void kill() throws InterruptedException {
            process.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no flushing
            process.waitFor(30, TimeUnit.SECONDS);
        }

        private void awaitReady(Path log) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    throw new AssertionError("service exited during startup:\n" + Files.readString(log));
                }
                try {
                    HttpResponse<String> response = http.send(
                            HttpRequest.newBuilder(base.resolve("/actuator/health/readiness")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                }
                catch (IOException notYetListening) {
                    // keep waiting
                }
                Thread.sleep(200);
            }
            throw new AssertionError("service not ready within 120 s:\n" + Files.readString(log));
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }
}
