package dev.faissshard.fetch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.fetch.ThrottlingImageServer.Answer;
import dev.faissshard.fetch.ThrottlingImageServer.Hit;
import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.testimages.JpegSamples;
import dev.faissshard.testimages.StoredIndex;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hc.client5.http.DnsResolver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whole builds against hosts that throttle or straggle (a loopback server playing several host
 * names): a host answering 429 to every image's first request costs the job time, not images, and
 * the index holds exactly the vectors of a build from a polite host; a host that stays closed past
 * the re-queue budget ends its images as {@code throttled}, a straggler as {@code tail_timeout},
 * the job still succeeds, and the next job fetches both.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class PoliteBuildTests {

    private static final int PER_HOST = 10;
    private static ThrottlingImageServer server;
    private static Path storage;
    private static Path catalogues;
    private static final AtomicBoolean closedHostOpens = new AtomicBoolean();

    @Autowired JobService jobs;

    @Autowired JsonMapper json;

    @TestConfiguration
    static class LoopbackNames {
        @Bean
        DnsResolver testResolver() {
            return ThrottlingImageServer.RESOLVER;
        }
    }

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) throws IOException {
        server = new ThrottlingImageServer();
        Path root = Files.createTempDirectory("polite");
        storage = root.resolve("storage");
        catalogues = Files.createDirectories(root.resolve("catalogues"));
        server.host("a.shop.test", (path, attempt) -> Answer.ok(image(path)));
        server.host("b.shop.test", (path, attempt) -> Answer.ok(image(path)));
        server.host(
                "throttle.test",
                (path, attempt) ->
                        attempt == 1
                                ? Answer.status(429, Map.of("Retry-After", "1"))
                                : Answer.ok(image(path)));
        server.host(
                "closed.test",
                (path, attempt) ->
                        closedHostOpens.get()
                                ? Answer.ok(image(path))
                                : Answer.status(429, Map.of("Retry-After", "1")));
        server.host(
                "slow.test",
                (path, attempt) ->
                        new Answer(
                                200,
                                Map.of("Content-Type", "image/jpeg"),
                                image(path),
                                attempt == 1 ? 20_000 : 0));
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", () -> catalogues.resolve("none.csv").toString());
        registry.add("fsb.job.batch-size", () -> "10");
        registry.add("fsb.fetch.egress.allow", () -> "*.test");
        registry.add("fsb.fetch.retries", () -> "0");
        registry.add("fsb.fetch.throttle-budget", () -> "4s");
        registry.add("fsb.fetch.tail-timeout", () -> "2s");
        registry.add("fsb.fetch.hosts[0].pattern", () -> "*.shop.test");
        registry.add("fsb.fetch.hosts[0].max-concurrency", () -> "4");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aThrottlingHostCostsTimeNotImagesAndTheIndexIsExact() throws Exception {
        StringBuilder throttled = new StringBuilder("id,image_url\n");
        StringBuilder polite = new StringBuilder("id,image_url\n");
        for (int i = 0; i < PER_HOST; i++) {
            for (String host : List.of("a.shop.test", "b.shop.test", "throttle.test")) {
                String id = host.charAt(0) + "-" + i;
                String path = "/" + id + ".jpg";
                throttled.append(id).append(',').append(server.url(host, path)).append('\n');
                polite.append(id).append(',').append(server.url("a.shop.test", path)).append('\n');
            }
        }
        long start = System.nanoTime();
        Job job = run("throttled", throttled);
        long took = System.nanoTime() - start;
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.view(job).counts().embedded()).isEqualTo(3 * PER_HOST);
        assertThat(StoredIndex.failures(storage.resolve("throttled"))).isEqualTo(Map.of());
        List<Hit> hits = server.hits("throttle.test");
        assertThat(hits).filteredOn(hit -> hit.status() == 429).hasSize(PER_HOST);
        assertThat(hits).filteredOn(hit -> hit.status() == 200).hasSize(PER_HOST);
        System.out.printf(
                "Build of %d images, one of three hosts throttling every first request"
                        + " (Retry-After: 1): %d ms, %d embedded, no failures%n",
                3 * PER_HOST, TimeUnit.NANOSECONDS.toMillis(took), 3 * PER_HOST);

        run("polite", polite);
        for (String type : List.of("color", "structure", "combined")) {
            StoredIndex.Vectors got = StoredIndex.vectors(storage.resolve("throttled"), type);
            StoredIndex.Vectors want = StoredIndex.vectors(storage.resolve("polite"), type);
            assertThat(got.catalogIds()).containsExactlyInAnyOrderElementsOf(want.catalogIds());
            assertThat(got.catalogIds()).hasSize(3 * PER_HOST);
            for (int i = 0; i < got.catalogIds().size(); i++) {
                int j = want.catalogIds().indexOf(got.catalogIds().get(i));
                assertThat(got.row(i))
                        .as("%s %s", type, got.catalogIds().get(i))
                        .containsExactly(want.row(j));
            }
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void closedHostsEndAsThrottledStragglersAsTailTimeoutAndTheNextJobFetchesThem()
            throws Exception {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        // Batch 1: nine quick images and a straggler; batch 2: two from a closed host.
        for (int i = 0; i < 9; i++) {
            csv.append("q-")
                    .append(i)
                    .append(',')
                    .append(server.url("a.shop.test", "/q-" + i + ".jpg"))
                    .append('\n');
        }
        csv.append("slow,").append(server.url("slow.test", "/slow.jpg")).append('\n');
        for (int i = 0; i < 8; i++) {
            csv.append("r-")
                    .append(i)
                    .append(',')
                    .append(server.url("b.shop.test", "/r-" + i + ".jpg"))
                    .append('\n');
        }
        csv.append("closed-0,").append(server.url("closed.test", "/c0.jpg")).append('\n');
        csv.append("closed-1,").append(server.url("closed.test", "/c1.jpg")).append('\n');

        long start = System.nanoTime();
        Job first = run("edges", csv);
        long took = System.nanoTime() - start;
        assertThat(first.state()).isEqualTo(JobState.SUCCEEDED);
        Map<String, Map<String, Object>> failures = StoredIndex.failures(storage.resolve("edges"));
        assertThat(failures.keySet()).containsExactlyInAnyOrder("slow", "closed-0", "closed-1");
        assertThat(failures.get("slow").get("reason")).isEqualTo("tail_timeout");
        assertThat(failures.get("closed-0").get("reason")).isEqualTo("throttled");
        assertThat(failures.get("closed-1").get("reason")).isEqualTo("throttled");
        assertThat(server.hits("closed.test").size()).isGreaterThanOrEqualTo(2);
        assertThat(StoredIndex.vectors(storage.resolve("edges"), "structure").catalogIds())
                .hasSize(17);
        System.out.printf(
                "Build of 20 images with a straggler (20 s) and a closed host: %d ms, 17 embedded,"
                        + " 1 tail_timeout, 2 throttled%n",
                TimeUnit.NANOSECONDS.toMillis(took));

        closedHostOpens.set(true);
        Job second = run("edges", csv);
        assertThat(second.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.view(second).counts().embedded()).isEqualTo(3);
        assertThat(StoredIndex.failures(storage.resolve("edges"))).isEqualTo(Map.of());
        assertThat(StoredIndex.vectors(storage.resolve("edges"), "structure").catalogIds())
                .hasSize(20)
                .contains("slow", "closed-0", "closed-1");
    }

    private Job run(String prefix, CharSequence csv) throws Exception {
        Path catalogue = catalogues.resolve(prefix + "-" + System.nanoTime() + ".csv");
        Files.writeString(catalogue, csv);
        JobRequest request =
                json.readValue(
                        json.writeValueAsString(
                                Map.of(
                                        "catalog",
                                        Map.of("location", catalogue.toString()),
                                        "prefix",
                                        prefix)),
                        JobRequest.class);
        Job job = jobs.submit(request);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!job.state().isFinished() && System.nanoTime() < deadline) {
            Thread.sleep(25);
        }
        return job;
    }

    /** A distinct picture per path, so that every id has its own vectors. */
    private static byte[] image(String path) {
        int hash = path.hashCode();
        BufferedImage picture = new BufferedImage(96, 96, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = picture.createGraphics();
        g.setColor(new Color(hash & 0xFFFFFF));
        g.fillRect(0, 0, 96, 96);
        g.setColor(new Color(~hash & 0xFFFFFF));
        g.fillRect(Math.floorMod(hash, 60), Math.floorMod(hash >> 8, 60), 30, 30);
        g.dispose();
        return JpegSamples.jpeg(picture, false);
    }
}
