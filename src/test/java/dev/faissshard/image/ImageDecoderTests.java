package dev.faissshard.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.testimages.FormatSamples;
import dev.faissshard.testimages.JpegSamples;
import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the decoder makes of every kind of file a catalogue serves: each readable variant gives the
 * reference scene upright and on white, each unusable one a precise, recorded reason.
 */
class ImageDecoderTests {

    private final ImageDecoder decoder = new ImageDecoder(new ImageProperties(50_000_000, 128));

    @Test
    void jpegBaselineProgressiveAndGrayscale() throws Exception {
        assertScene(decoder.decode(JpegSamples.jpegBaseline()), 40);
        assertScene(decoder.decode(JpegSamples.jpegProgressive()), 40);
        BufferedImage gray = decoder.decode(JpegSamples.jpegGrayscale());
        assertThat(gray.getWidth()).isEqualTo(FormatSamples.WIDTH);
        assertThat(gray.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        int ink = new Color(gray.getRGB(28, 32)).getRed();
        int luma = (int) Math.round(0.299 * 200 + 0.587 * 30 + 0.114 * 40);
        assertThat(ink).isBetween(luma - 12, luma + 12);
        assertThat(new Color(gray.getRGB(80, 8)).getRed()).isGreaterThan(245);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void adobeCmykAndYcckJpegsKeepTheirColours(boolean ycck) throws Exception {
        // CMYK goes through a CMYK profile, so allow for gamut mapping; the hue must stay red.
        assertScene(decoder.decode(JpegSamples.jpegCmyk(ycck)), 70);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
    void exifOrientationIsApplied(int orientation) throws Exception {
        assertScene(decoder.decode(JpegSamples.jpegWithOrientation(orientation)), 40);
        assertScene(decoder.decode(FormatSamples.pngWithOrientation(orientation)), 2);
    }

    @Test
    void pngWithAlphaSixteenBitAndPaletteWithTransparencyLandOnWhite() throws Exception {
        assertScene(decoder.decode(FormatSamples.pngWithAlpha()), 4);
        assertScene(decoder.decode(FormatSamples.png16Bit()), 2);
        assertScene(decoder.decode(FormatSamples.pngPaletteWithTransparency()), 2);
    }

    @Test
    void gifGivesItsFirstFrameAndBmpReads() throws Exception {
        assertScene(decoder.decode(FormatSamples.gifAnimated()), 30);
        assertScene(decoder.decode(FormatSamples.bmp()), 2);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void webpLossyAndLosslessWithAlpha(boolean lossless) throws Exception {
        BufferedImage image = decoder.decode(FormatSamples.webp(lossless));
        assertThat(image.getWidth()).isEqualTo(64);
        assertThat(image.getHeight()).isEqualTo(48);
        assertClose(new Color(image.getRGB(32, 24)), new Color(30, 80, 220), lossless ? 2 : 20);
        assertClose(new Color(image.getRGB(2, 2)), Color.WHITE, lossless ? 0 : 6);
    }

    @Test
    void largeImagesAreDecodedAtReducedResolution() throws Exception {
        BufferedImage big = new BufferedImage(1024, 768, BufferedImage.TYPE_INT_RGB);
        BufferedImage decoded = decoder.decode(JpegSamples.jpeg(big, false));
        assertThat(Math.min(decoded.getWidth(), decoded.getHeight())).isBetween(128, 255);
    }

    @Test
    void decompressionBombsAreRefusedFromTheirHeader() {
        byte[] png = FormatSamples.pngBomb(40_000);
        assertThat(png.length).isLessThan(20_000);
        assertRejected(png, FailureReason.TOO_MANY_PIXELS, "40000x40000");
        assertRejected(JpegSamples.jpegBomb(), FailureReason.TOO_MANY_PIXELS, "60000x60000");
    }

    @Test
    void truncatedFilesAreCorrupt() {
        assertRejected(
                FormatSamples.truncated(JpegSamples.jpegBaseline(), 0.6),
                FailureReason.CORRUPT,
                "jpeg");
        assertRejected(
                FormatSamples.truncated(JpegSamples.jpegProgressive(), 0.6),
                FailureReason.CORRUPT,
                "jpeg");
        assertRejected(
                FormatSamples.truncated(FormatSamples.png16Bit(), 0.6),
                FailureReason.CORRUPT,
                "png");
        assertRejected(
                FormatSamples.truncated(FormatSamples.gifAnimated(), 0.3),
                FailureReason.CORRUPT,
                "gif");
        assertRejected(
                FormatSamples.truncated(FormatSamples.bmp(), 0.6), FailureReason.CORRUPT, "bmp");
        assertRejected(
                FormatSamples.truncated(FormatSamples.webp(false), 0.6),
                FailureReason.CORRUPT,
                "webp");
        assertRejected(
                FormatSamples.truncated(JpegSamples.jpegBaseline(), 0.01),
                FailureReason.CORRUPT,
                "jpeg");
    }

    @Test
    void textDocumentsAndEmptyBodiesAreNotImages() {
        assertRejected(new byte[0], FailureReason.NOT_AN_IMAGE, "empty");
        assertRejected(
                FormatSamples.wrongMagic(),
                FailureReason.NOT_AN_IMAGE,
                "first bytes are not an image signature");
        // The body's bytes are never quoted (details are shown to every caller of the job view).
        assertThatThrownBy(() -> decoder.decode(FormatSamples.wrongMagic()))
                .isInstanceOf(ImageRejectedException.class)
                .message()
                .doesNotContainIgnoringCase("58514e47");
        assertRejected(FormatSamples.html(), FailureReason.NOT_AN_IMAGE, "HTML");
        assertRejected(FormatSamples.svg(), FailureReason.NOT_AN_IMAGE, "SVG");
        assertRejected(FormatSamples.pdf(), FailureReason.NOT_AN_IMAGE, "PDF");
        assertRejected(FormatSamples.heif(), FailureReason.UNSUPPORTED_FORMAT, "heif");
    }

    /** The scene: ink disc on the left, white on the right, upright (96 x 64). */
    private static void assertScene(BufferedImage image, int tolerance) {
        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(image.getWidth()).isEqualTo(FormatSamples.WIDTH);
        assertThat(image.getHeight()).isEqualTo(FormatSamples.HEIGHT);
        assertClose(new Color(image.getRGB(28, 32)), FormatSamples.INK, tolerance);
        assertClose(new Color(image.getRGB(80, 32)), Color.WHITE, Math.min(tolerance, 12));
        assertClose(new Color(image.getRGB(28, 4)), Color.WHITE, Math.min(tolerance, 12));
    }

    private static void assertClose(Color actual, Color expected, int tolerance) {
        assertThat(new int[] {actual.getRed(), actual.getGreen(), actual.getBlue()})
                .as("%s expected near %s", actual, expected)
                .satisfies(
                        c -> {
                            assertThat(Math.abs(c[0] - expected.getRed()))
                                    .isLessThanOrEqualTo(tolerance);
                            assertThat(Math.abs(c[1] - expected.getGreen()))
                                    .isLessThanOrEqualTo(tolerance);
                            assertThat(Math.abs(c[2] - expected.getBlue()))
                                    .isLessThanOrEqualTo(tolerance);
                        });
    }

    private void assertRejected(byte[] data, FailureReason reason, String detail) {
        assertThatThrownBy(() -> decoder.decode(data))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        ex -> {
                            assertThat(ex.reason()).as(ex.detail()).isEqualTo(reason);
                            assertThat(ex.detail()).containsIgnoringCase(detail);
                        });
    }
}
