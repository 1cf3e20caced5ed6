package dev.faissshard.image.jpeg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.testimages.ProductImageGenerator;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * The libjpeg-turbo path against real JPEGs: scale, colours, and every way a file can be refused.
 */
class ReducedJpegDecoderTests {

    private static final long MAX_PIXELS = 50_000_000L;

    @Test
    void nativeDecoderIsAvailableWhereTheServiceIsBuilt() {
        // CI installs libturbojpeg0; a silent fallback would hide a 2-3x slower decode.
        assertThat(ReducedJpegDecoder.isAvailable()).isTrue();
    }

    @Test
    void decodesAtTheSmallestScaleThatKeepsTheRequestedShorterSide() throws Exception {
        byte[] jpeg = jpeg(1024, 768);
        BufferedImage image = ReducedJpegDecoder.decode(jpeg, 128, MAX_PIXELS).orElseThrow();
        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(image.getWidth()).isEqualTo(1024 / 4);
        assertThat(image.getHeight()).isEqualTo(768 / 4);
        BufferedImage small =
                ReducedJpegDecoder.decode(jpeg(100, 90), 128, MAX_PIXELS).orElseThrow();
        assertThat(small.getWidth())
                .as("never scaled below the request, never enlarged")
                .isEqualTo(100);
        assertThat(ReducedJpegDecoder.scale(512, 128)).isEqualTo(4);
        assertThat(ReducedJpegDecoder.scale(1200, 128)).isEqualTo(8);
        assertThat(ReducedJpegDecoder.scale(255, 128)).isEqualTo(2);
        assertThat(ReducedJpegDecoder.scale(250, 128)).isEqualTo(1);
    }

    @Test
    void coloursMatchTheJdkDecoder() throws Exception {
        byte[] jpeg = jpeg(512, 512);
        BufferedImage reduced = ReducedJpegDecoder.decode(jpeg, 128, MAX_PIXELS).orElseThrow();
        BufferedImage full = ImageIO.read(new ByteArrayInputStream(jpeg));
        // Average each 4x4 block of the full decode: a scaled IDCT should land close to it.
        double error = 0;
        for (int y = 0; y < 128; y++) {
            for (int x = 0; x < 128; x++) {
                int[] mean = new int[3];
                for (int dy = 0; dy < 4; dy++) {
                    for (int dx = 0; dx < 4; dx++) {
                        int rgb = full.getRGB(x * 4 + dx, y * 4 + dy);
                        mean[0] += (rgb >> 16) & 0xFF;
                        mean[1] += (rgb >> 8) & 0xFF;
                        mean[2] += rgb & 0xFF;
                    }
                }
                int rgb = reduced.getRGB(x, y);
                error +=
                        Math.abs(mean[0] / 16.0 - ((rgb >> 16) & 0xFF))
                                + Math.abs(mean[1] / 16.0 - ((rgb >> 8) & 0xFF))
                                + Math.abs(mean[2] / 16.0 - (rgb & 0xFF));
            }
        }
        assertThat(error / (128 * 128 * 3))
                .as("mean absolute difference per channel")
                .isLessThan(6.0);
    }

    @Test
    void headerPromisingTooManyPixelsIsRefusedBeforeDecoding() throws Exception {
        byte[] bomb = withDimensions(jpeg(64, 64), 40_000, 40_000);
        assertThatThrownBy(() -> ReducedJpegDecoder.decode(bomb, 128, MAX_PIXELS))
                .isInstanceOf(ImageRejectedException.class)
                .satisfies(
                        ex ->
                                assertThat(((ImageRejectedException) ex).reason())
                                        .isEqualTo(FailureReason.TOO_MANY_PIXELS));
    }

    @Test
    void truncatedAndGarbledFilesAreCorrupt() throws Exception {
        byte[] jpeg = jpeg(512, 512);
        byte[] truncated = Arrays.copyOf(jpeg, jpeg.length / 2);
        assertThatThrownBy(() -> ReducedJpegDecoder.decode(truncated, 128, MAX_PIXELS))
                .isInstanceOf(ImageRejectedException.class)
                .satisfies(
                        ex ->
                                assertThat(((ImageRejectedException) ex).reason())
                                        .isEqualTo(FailureReason.CORRUPT));
        byte[] headerOnly = Arrays.copyOf(jpeg, 20);
        assertThatThrownBy(() -> ReducedJpegDecoder.decode(headerOnly, 128, MAX_PIXELS))
                .isInstanceOf(ImageRejectedException.class)
                .satisfies(
                        ex ->
                                assertThat(((ImageRejectedException) ex).reason())
                                        .isEqualTo(FailureReason.CORRUPT));
    }

    private static byte[] jpeg(int width, int height) {
        BufferedImage square =
                ProductImageGenerator.render(
                        ProductImageGenerator.catalogueSpec(3), Math.max(width, height));
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        image.getGraphics().drawImage(square, 0, 0, null);
        return ProductImageGenerator.jpeg(image, 0.9f);
    }

    /**
     * Rewrites the frame header's height and width, as a decompression bomb's header would read.
     */
    private static byte[] withDimensions(byte[] jpeg, int width, int height) {
        byte[] patched = jpeg.clone();
        for (int i = 2; i + 8 < patched.length; i++) {
            if ((patched[i] & 0xFF) == 0xFF
                    && ((patched[i + 1] & 0xFF) == 0xC0 || (patched[i + 1] & 0xFF) == 0xC2)) {
                patched[i + 5] = (byte) (height >> 8);
                patched[i + 6] = (byte) height;
                patched[i + 7] = (byte) (width >> 8);
                patched[i + 8] = (byte) width;
                return patched;
            }
        }
        throw new IllegalArgumentException("no frame header");
    }
}
