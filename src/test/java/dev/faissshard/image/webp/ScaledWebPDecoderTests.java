package dev.faissshard.image.webp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.image.ImageProperties;
import dev.faissshard.image.RasterDifference;
import dev.faissshard.image.RealImages;
import dev.faissshard.testimages.FormatSamples;
import dev.faissshard.testimages.ProductImageGenerator;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The libwebp path against TwelveMonkeys' reader (as the service used it before, through {@link
 * ImageDecoder#imageIoOnly}): lossy and lossless, with and without alpha, odd sizes, real pictures,
 * damaged files and decompression bombs. Where libwebp scales, it averages the pixels that
 * subsampling would skip, so it is compared with the block means of a full-resolution decode.
 */
class ScaledWebPDecoderTests {

    private static final long MAX_PIXELS = 50_000_000L;
    private static final ImageProperties PROPERTIES = new ImageProperties(MAX_PIXELS, 128);
    private static final ImageDecoder TWELVE_MONKEYS = ImageDecoder.imageIoOnly(PROPERTIES);
    private static final ImageDecoder FULL_SIZE =
            ImageDecoder.imageIoOnly(new ImageProperties(MAX_PIXELS, 4096));
    private static final ImageDecoder SERVICE = new ImageDecoder(PROPERTIES);

    @Test
    void nativeDecoderIsAvailableWhereTheServiceIsBuilt() {
        // CI installs libwebp7; a silent fallback would hide a ~10x slower decode.
        assertThat(ScaledWebPDecoder.isAvailable()).isTrue();
    }

    static Stream<Arguments> variants() {
        List<Arguments> out = new ArrayList<>();
        int[][] sizes = {{1, 1}, {7, 13}, {131, 97}, {517, 333}, {257, 1023}, {700, 650}};
        long seed = 0;
        for (boolean lossless : new boolean[] {false, true}) {
            for (boolean alpha : new boolean[] {false, true}) {
                for (int[] size : sizes) {
                    out.add(Arguments.of(lossless, alpha, size[0], size[1], seed++));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "lossless={0} alpha={1} {2}x{3}")
    @MethodSource("variants")
    void lossyAndLosslessWithAndWithoutAlphaMatchTwelveMonkeys(
            boolean lossless, boolean alpha, int width, int height, long seed) throws Exception {
        byte[] webp = WebPEncoder.encode(picture(width, height, alpha, seed), lossless);
        BufferedImage subsampled = TWELVE_MONKEYS.decode(webp);
        BufferedImage actual = ScaledWebPDecoder.decode(webp, 128, MAX_PIXELS).orElseThrow();
        assertThat(actual.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(actual.getWidth())
                .as("the size subsampling gives")
                .isEqualTo(subsampled.getWidth());
        assertThat(actual.getHeight()).isEqualTo(subsampled.getHeight());
        boolean scaled = actual.getWidth() != width;
        BufferedImage expected =
                scaled
                        ? RasterDifference.blockMeans(
                                FULL_SIZE.decode(webp), actual.getWidth(), actual.getHeight())
                        : subsampled;
        RasterDifference difference = RasterDifference.of(expected, actual);
        // Lossless and unscaled: only the rounding of compositing on white differs. Lossy:
        // libwebp's
        // smooth chroma upsampling differs from TwelveMonkeys' own. Scaled: libwebp's rescaler
        // weights
        // the block edges slightly differently from a plain block mean.
        // Tiny lossy pictures are nearly all edges, where upsampling matters most.
        double tolerance =
                (lossless ? 0.5 : Math.min(width, height) < 64 ? 6.0 : 2.5) + (scaled ? 2.0 : 0);
        assertThat(difference.meanAbsolute())
                .as(difference.toString())
                .isLessThanOrEqualTo(tolerance);
    }

    @Test
    void committedFixturesCompositeAlphaOnWhite() throws Exception {
        for (boolean lossless : new boolean[] {false, true}) {
            byte[] webp = FormatSamples.webp(lossless);
            BufferedImage actual = ScaledWebPDecoder.decode(webp, 128, MAX_PIXELS).orElseThrow();
            RasterDifference difference = RasterDifference.of(TWELVE_MONKEYS.decode(webp), actual);
            assertThat(difference.meanAbsolute())
                    .as(difference.toString())
                    .isLessThanOrEqualTo(lossless ? 0.5 : 2.0);
            assertThat(actual.getRGB(2, 2) & 0xFFFFFF).isEqualTo(0xFFFFFF);
        }
    }

    @Test
    void realPicturesMatchTwelveMonkeys(@TempDir Path work) throws Exception {
        List<Path> sources = RealImages.pngs(12);
        assertThat(sources).as("real PNGs (desktop-base)").hasSizeGreaterThanOrEqualTo(12);
        for (int i = 0; i < sources.size(); i++) {
            byte[] webp = WebPEncoder.encode(sources.get(i), i % 2 == 1, work);
            BufferedImage actual = ScaledWebPDecoder.decode(webp, 128, MAX_PIXELS).orElseThrow();
            BufferedImage full = FULL_SIZE.decode(webp);
            BufferedImage expected =
                    actual.getWidth() == full.getWidth()
                            ? full
                            : RasterDifference.blockMeans(
                                    full, actual.getWidth(), actual.getHeight());
            RasterDifference difference = RasterDifference.of(expected, actual);
            assertThat(difference.meanAbsolute())
                    .as(sources.get(i) + ": " + difference)
                    .isLessThanOrEqualTo(3.0);
        }
    }

    /**
     * Real WebP wallpapers (gnome-backgrounds, 4096 px) against libwebp's own full-size decode
     * ({@code dwebp}), averaged in blocks: the scaling and the binding are checked. TwelveMonkeys
     * is no reference here: on adwaita-d.webp its full-size decode differs from libwebp's (and
     * Pillow's) by 10 levels on average.
     */
    @Test
    void realWebPWallpapersMatchLibwebpsFullSizeDecodeAveraged(@TempDir Path work)
            throws Exception {
        List<Path> wallpapers = RealImages.webps(2);
        assertThat(wallpapers)
                .as("WebP wallpapers (gnome-backgrounds)")
                .hasSizeGreaterThanOrEqualTo(2);
        for (Path wallpaper : wallpapers) {
            BufferedImage actual =
                    ScaledWebPDecoder.decode(Files.readAllBytes(wallpaper), 128, MAX_PIXELS)
                            .orElseThrow();
            BufferedImage full = WebPEncoder.decodeFullSize(wallpaper, work);
            BufferedImage expected =
                    RasterDifference.blockMeans(full, actual.getWidth(), actual.getHeight());
            RasterDifference difference = RasterDifference.of(expected, actual);
            assertThat(difference.meanAbsolute())
                    .as(wallpaper + ": " + difference)
                    .isLessThanOrEqualTo(1.5);
        }
    }

    @Test
    void damagedFilesAreRefusedForTheSameReasonsAsBefore() {
        byte[] lossy = WebPEncoder.encode(picture(300, 200, true, 5), false);
        byte[] lossless = WebPEncoder.encode(picture(300, 200, true, 6), true);
        List<byte[]> damaged = new ArrayList<>();
        for (double fraction : new double[] {0.01, 0.3, 0.6, 0.95}) {
            damaged.add(FormatSamples.truncated(lossy, fraction));
            damaged.add(FormatSamples.truncated(lossless, fraction));
        }
        damaged.add(garbled(lossy, lossy.length / 2));
        damaged.add(garbled(lossless, lossless.length / 3));
        for (byte[] data : damaged) {
            assertThat(outcome(SERVICE, data)).isEqualTo(outcome(TWELVE_MONKEYS, data));
        }
        assertThat(outcome(SERVICE, FormatSamples.truncated(lossy, 0.6)))
                .isEqualTo(FailureReason.CORRUPT.key());
    }

    @Test
    void oversizedHeadersAreRefusedBeforeDecoding() throws Exception {
        // The lossless fixture's VP8L header rewritten to declare 10000 x 10000 pixels.
        byte[] bomb = FormatSamples.webp(true);
        assertThat(new String(bomb, 12, 4, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("VP8L");
        int bits =
                (bomb[21] & 0xFF)
                        | (bomb[22] & 0xFF) << 8
                        | (bomb[23] & 0xFF) << 16
                        | (bomb[24] & 0xFF) << 24;
        bits = (bits & 0xF0000000) | 9999 << 14 | 9999;
        for (int i = 0; i < 4; i++) {
            bomb[21 + i] = (byte) (bits >>> (8 * i));
        }
        assertThatThrownBy(() -> ScaledWebPDecoder.decode(bomb, 128, MAX_PIXELS))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        ex -> {
                            assertThat(ex.reason()).isEqualTo(FailureReason.TOO_MANY_PIXELS);
                            assertThat(ex.detail()).contains("10000x10000");
                        });
        byte[] webp = FormatSamples.webp(false);
        assertThatThrownBy(() -> ScaledWebPDecoder.decode(webp, 128, 64 * 48 - 1))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        ex -> assertThat(ex.reason()).isEqualTo(FailureReason.TOO_MANY_PIXELS));
        assertThat(ScaledWebPDecoder.decode(webp, 128, 64 * 48)).isPresent();
    }

    /** A rendered product; with alpha, its background fades out to fully transparent corners. */
    static BufferedImage picture(int width, int height, boolean alpha, long seed) {
        BufferedImage square =
                ProductImageGenerator.render(
                        ProductImageGenerator.catalogueSpec(seed), Math.max(width, height));
        BufferedImage out =
                new BufferedImage(
                        width,
                        height,
                        alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = (x + 0.5) / width - 0.5;
                double dy = (y + 0.5) / height - 0.5;
                int a =
                        (int)
                                Math.round(
                                        255
                                                * Math.max(
                                                        0,
                                                        Math.min(
                                                                1,
                                                                1.6
                                                                        - 2.8
                                                                                * Math.sqrt(
                                                                                        dx * dx
                                                                                                + dy
                                                                                                        * dy))));
                out.setRGB(x, y, (alpha ? a << 24 : 0xFF000000) | (square.getRGB(x, y) & 0xFFFFFF));
            }
        }
        return out;
    }

    private static String outcome(ImageDecoder decoder, byte[] data) {
        try {
            BufferedImage image = decoder.decode(data);
            return "decoded " + image.getWidth() + "x" + image.getHeight();
        } catch (ImageRejectedException ex) {
            return ex.reason().key();
        }
    }

    private static byte[] garbled(byte[] data, int at) {
        byte[] out = data.clone();
        for (int i = at; i < Math.min(out.length, at + 64); i++) {
            out[i] ^= (byte) 0x5A;
        }
        return out;
    }
}
