package dev.faissshard.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.job.Job;
import dev.faissshard.job.JobRequest;
import dev.faissshard.job.JobService;
import dev.faissshard.job.JobState;
import dev.faissshard.testimages.FormatSamples;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.JpegSamples;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Every readable format and every kind of bad body, served over HTTP as a catalogue serves them,
 * through a whole build: the good ones are embedded, each bad one ends as a recorded failure with
 * its reason, and the job itself succeeds.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE)
class ImageFormatsBuildTests {

    /** Catalogue id -> what is served. */
    private static final Map<String, ImageServer.Resource> GOOD = new LinkedHashMap<>();

    /** Catalogue id -> what is served and the failure it must end as. */
    private static final Map<String, Refused> BAD = new LinkedHashMap<>();

    private static ImageServer server;
    private static Path storage;

    @Autowired JobService jobs;

    @DynamicPropertySource
    static void catalogue(DynamicPropertyRegistry registry) throws IOException {
        good("1", "image/jpeg", JpegSamples.jpegBaseline());
        good("2", "image/jpeg", JpegSamples.jpegProgressive());
        good("3", "image/jpeg", JpegSamples.jpegCmyk(false));
        good("4", "image/jpeg", JpegSamples.jpegCmyk(true));
        good("5", "image/jpeg", JpegSamples.jpegGrayscale());
        good("6", "image/jpeg", JpegSamples.jpegWithOrientation(6));
        good("7", "image/png", FormatSamples.pngWithAlpha());
        good("8", "image/png", FormatSamples.png16Bit());
        good("9", "image/png", FormatSamples.pngPaletteWithTransparency());
        good("10", "image/gif", FormatSamples.gifAnimated());
        good("11", "image/bmp", FormatSamples.bmp());
        good("12", "image/webp", FormatSamples.webp(false));
        good("13", "image/webp", FormatSamples.webp(true));
        bad(
                "20",
                "image/png",
                FormatSamples.pngBomb(40_000),
                FailureReason.TOO_MANY_PIXELS,
                "40000x40000");
        bad(
                "21",
                "image/jpeg",
                JpegSamples.jpegBomb(),
                FailureReason.TOO_MANY_PIXELS,
                "60000x60000");
        bad(
                "22",
                "image/jpeg",
                FormatSamples.truncated(JpegSamples.jpegBaseline(), 0.6),
                FailureReason.CORRUPT,
                "jpeg");
        bad(
                "23",
                "image/png",
                FormatSamples.truncated(FormatSamples.png16Bit(), 0.6),
                FailureReason.CORRUPT,
                "png");
        bad(
                "24",
                "image/gif",
                FormatSamples.truncated(FormatSamples.gifAnimated(), 0.3),
                FailureReason.CORRUPT,
                "gif");
        bad(
                "25",
                "image/webp",
                FormatSamples.truncated(FormatSamples.webp(false), 0.6),
                FailureReason.CORRUPT,
                "webp");
        bad(
                "26",
                "image/png",
                FormatSamples.wrongMagic(),
                FailureReason.NOT_AN_IMAGE,
                "not an image signature");
        bad("27", "image/jpeg", FormatSamples.html(), FailureReason.NOT_AN_IMAGE, "HTML");
        bad("28", "image/svg+xml", FormatSamples.svg(), FailureReason.NOT_AN_IMAGE, "SVG");
        bad("29", "application/pdf", FormatSamples.pdf(), FailureReason.NOT_AN_IMAGE, "PDF");
        bad("30", "image/jpeg", new byte[0], FailureReason.NOT_AN_IMAGE, "empty");
        bad("31", "image/heic", FormatSamples.heif(), FailureReason.UNSUPPORTED_FORMAT, "heif");

        server = new ImageServer();
        StringBuilder csv = new StringBuilder("id,image_url\n");
        GOOD.forEach((id, resource) -> serve(csv, id, resource));
        BAD.forEach((id, refused) -> serve(csv, id, refused.served()));
        Path root = Files.createTempDirectory("formats");
        storage = root.resolve("storage");
        Path catalogue = root.resolve("catalog.csv");
        Files.writeString(catalogue, csv);
        registry.add("fsb.storage.local.root", storage::toString);
        registry.add("fsb.catalog.location", catalogue::toString);
        registry.add("fsb.job.batch-size", () -> "8");
        registry.add("fsb.fetch.egress.allow", () -> "127.0.0.1/32");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyGoodFormatIsEmbeddedAndEveryBadBodyIsARecordedFailureWithItsReason()
            throws Exception {
        Job job = jobs.submit(JobRequest.defaults());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!job.state().isFinished() && System.nanoTime() < deadline) {
            Thread.sleep(25);
        }
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.view(job).counts().embedded()).isEqualTo(GOOD.size());
        assertThat(jobs.view(job).counts().failed()).isEqualTo(BAD.size());

        Map<String, Map<String, Object>> failures = StoredIndex.failures(storage);
        assertThat(failures.keySet()).containsExactlyInAnyOrderElementsOf(BAD.keySet());
        BAD.forEach(
                (id, refused) -> {
                    Map<String, Object> failure = failures.get(id);
                    assertThat(failure.get("reason"))
                            .as("reason of %s: %s", id, failure)
                            .isEqualTo(refused.reason().key());
                    assertThat(failure.get("detail").toString())
                            .as("detail of %s", id)
                            .containsIgnoringCase(refused.detail());
                });

        StoredIndex.Vectors structure = StoredIndex.vectors(storage, "structure");
        assertThat(structure.catalogIds()).containsExactlyInAnyOrderElementsOf(GOOD.keySet());
        // The EXIF-rotated photo is embedded upright: like the plain one, not like its stored rows.
        float[] upright = structure.row(structure.catalogIds().indexOf("1"));
        float[] rotated = structure.row(structure.catalogIds().indexOf("6"));
        assertThat(dot(upright, rotated)).isGreaterThan(0.97);
    }

    private static void good(String id, String type, byte[] body) {
        GOOD.put(id, new ImageServer.Resource(200, type, body, 0));
    }

    private static void bad(
            String id, String type, byte[] body, FailureReason reason, String detail) {
        BAD.put(id, new Refused(new ImageServer.Resource(200, type, body, 0), reason, detail));
    }

    /**
     * A body that must end as a recorded failure of this reason, with these words in its detail.
     */
    private record Refused(ImageServer.Resource served, FailureReason reason, String detail) {}

    private static void serve(StringBuilder csv, String id, ImageServer.Resource resource) {
        server.put("/img/" + id, resource);
        csv.append(id).append(',').append(server.url("/img/" + id)).append('\n');
    }

    private static double dot(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }
}
