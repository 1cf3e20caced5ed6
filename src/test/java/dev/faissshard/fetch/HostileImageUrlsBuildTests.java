package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.JpegSamples;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * A catalogue of hostile rows through a whole build, with only the test image server (127.0.0.1)
 * allowed: malformed URLs, reserved addresses, local files outside the catalogue folder and bodies
 * carrying a planted secret each end as their own recorded failure with the true reason; the good
 * rows, including a URL with a space and a non-ASCII one, are embedded; nothing of any body reaches
 * progress.json or the job view; and no request went to a refused destination.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class HostileImageUrlsBuildTests {

    private static final String SECRET = "SECRET-5f1c9a-PLANTED";
    private static final Map<String, FailureReason> REFUSED = new LinkedHashMap<>();
    private static ImageServer server;
    private static Path storage;

    @Autowired JobService jobs;

    @Autowired JsonMapper json;

    @DynamicPropertySource
    static void catalogue(DynamicPropertyRegistry registry) throws IOException {
        server = new ImageServer();
        Path root = Files.createTempDirectory("hostile");
        storage = root.resolve("storage");
        Path folder = Files.createDirectories(root.resolve("catalogue"));
        Files.createDirectories(folder.resolve("imgs"));
        Files.write(folder.resolve("imgs/local.jpg"), JpegSamples.jpegBaseline());
        Files.writeString(root.resolve("secret.txt"), SECRET);
        byte[] jpeg = JpegSamples.jpegBaseline();
        server.image("/img/red shoe.jpg", jpeg);
        server.image("/img/caf\u00e9 \u65e5\u672c.jpg", jpeg);
        server.image("/img/plain.jpg", jpeg);
        byte[] secretText = (SECRET + " environment=SUPABASE_KEY").getBytes(StandardCharsets.UTF_8);
        server.put("/img/text", new ImageServer.Resource(200, "image/jpeg", secretText, 0));
        server.put(
                "/img/page",
                new ImageServer.Resource(
                        404,
                        "text/html",
                        ("<html><body>" + SECRET + "</body></html>")
                                .getBytes(StandardCharsets.UTF_8),
                        0));
        server.put(
                "/img/json",
                new ImageServer.Resource(
                        200,
                        "image/jpeg",
                        ("{\"token\":\"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8),
                        0));
        server.put(
                "/img/binary",
                new ImageServer.Resource(
                        200,
                        "image/jpeg",
                        ("\u0001\u0002\u0003" + SECRET).getBytes(StandardCharsets.UTF_8),
                        0));
        String base = server.url("").toString();
        StringBuilder csv = new StringBuilder("id,image_url\n");
        csv.append("good-plain,").append(base).append("/img/plain.jpg\n");
        csv.append("good-space,").append(base).append("/img/red shoe.jpg\n");
        csv.append("good-iri,").append(base).append("/img/caf\u00e9 \u65e5\u672c.jpg\n");
        csv.append("good-local,imgs/local.jpg\n");
        refused(csv, "bad-host", "http://exa mple.com/x.jpg", FailureReason.INVALID_URL);
        refused(csv, "private", "http://10.0.0.1/x.jpg", FailureReason.EGRESS_REFUSED);
        refused(
                csv,
                "metadata",
                "http://169.254.169.254/latest/meta-data/",
                FailureReason.EGRESS_REFUSED);
        refused(
                csv,
                "loopback-other",
                "http://127.0.0.2:" + server.url("").getPort() + "/img/plain.jpg",
                FailureReason.EGRESS_REFUSED);
        refused(csv, "escape", "../../../../../../etc/hostname", FailureReason.FILE_REFUSED);
        refused(csv, "sibling", "../secret.txt", FailureReason.FILE_REFUSED);
        refused(csv, "environ", "file:///proc/self/environ", FailureReason.FILE_REFUSED);
        refused(csv, "mem", "file:///proc/self/mem", FailureReason.FILE_REFUSED);
        refused(csv, "text", base + "/img/text", FailureReason.NOT_AN_IMAGE);
        refused(csv, "page", base + "/img/page", FailureReason.HTTP_STATUS);
        refused(csv, "json", base + "/img/json", FailureReason.NOT_AN_IMAGE);
        refused(csv, "binary", base + "/img/binary", FailureReason.NOT_AN_IMAGE);
        Path catalogue = folder.resolve("catalog.csv");
        Files.writeString(catalogue, csv, StandardCharsets.UTF_8);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "8");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
        registry.add("fsb.fetch.retries", () -> "0");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void hostileRowsFailAloneWithTheirTrueReasonAndNothingOfAnyBodyIsRecorded() throws Exception {
        Job job = jobs.submit(JobRequest.defaults());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!job.state().isFinished() && System.nanoTime() < deadline) {
            Thread.sleep(25);
        }
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.view(job).counts().embedded()).isEqualTo(4);

        Map<String, Map<String, Object>> failures = StoredIndex.failures(storage);
        assertThat(failures.keySet()).containsExactlyInAnyOrderElementsOf(REFUSED.keySet());
        REFUSED.forEach(
                (id, reason) ->
                        assertThat(failures.get(id).get("reason"))
                                .as("reason of %s: %s", id, failures.get(id))
                                .isEqualTo(reason.key()));
        assertThat(failures.get("text").get("detail").toString())
                .contains("not an image signature");
        assertThat(StoredIndex.vectors(storage, "structure").catalogIds())
                .containsExactlyInAnyOrder("good-plain", "good-space", "good-iri", "good-local");

        String progress;
        try (Stream<Path> files = Files.walk(storage)) {
            progress =
                    files.filter(path -> path.getFileName().toString().equals("progress.json"))
                            .findFirst()
                            .map(
                                    path -> {
                                        try {
                                            return Files.readString(path);
                                        } catch (IOException ex) {
                                            throw new IllegalStateException(ex);
                                        }
                                    })
                            .orElseThrow();
        }
        String view = json.writeValueAsString(jobs.view(job));
        for (String recorded : new String[] {progress, view}) {
            assertThat(recorded)
                    .doesNotContain(SECRET)
                    .doesNotContain("SECRET")
                    .doesNotContain("PATH=")
                    .doesNotContain("SUPABASE_KEY");
        }
        // plain, space, IRI, text, page, json, binary: the refused destinations were never
        // requested.
        assertThat(server.requests()).isEqualTo(7);
    }

    private static void refused(StringBuilder csv, String id, String url, FailureReason reason) {
        csv.append(id).append(',').append(url).append('\n');
        REFUSED.put(id, reason);
    }
}
