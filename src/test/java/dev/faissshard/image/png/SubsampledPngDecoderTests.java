package dev.faissshard.image.png;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.image.ImageProperties;
import dev.faissshard.image.RasterDifference;
import dev.faissshard.image.RealImages;
import dev.faissshard.image.png.PngVariants.Kind;
import dev.faissshard.testimages.FormatSamples;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The libspng path against the JDK's PNG reader (as the service used it before, through {@link
 * ImageDecoder#imageIoOnly}): every colour type, bit depth, transparency kind, interlacing and odd
 * size, real PNGs from Debian packages, damaged files and decompression bombs.
 */
class SubsampledPngDecoderTests {

    private static final long MAX_PIXELS = 50_000_000L;
    private static final ImageProperties PROPERTIES = new ImageProperties(MAX_PIXELS, 128);
    private static final ImageDecoder JDK = ImageDecoder.imageIoOnly(PROPERTIES);
    private static final ImageDecoder SERVICE = new ImageDecoder(PROPERTIES);

    @Test
    void nativeDecoderIsAvailableWhereTheServiceIsBuilt() {
        // CI installs libspng0; a silent fallback would hide a ~3x slower decode.
        assertThat(SubsampledPngDecoder.isAvailable()).isTrue();
    }

    static Stream<Arguments> variants() {
        List<Arguments> out = new ArrayList<>();
        int[][] sizes = {{1, 1}, {7, 13}, {131, 97}, {517, 333}, {1023, 257}};
        long seed = 0;
        for (Kind kind : Kind.values()) {
            for (boolean interlaced : new boolean[] {false, true}) {
                for (int[] size : sizes) {
                    out.add(Arguments.of(kind, interlaced, size[0], size[1], seed++));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} interlaced={1} {2}x{3}")
    @MethodSource("variants")
    void everyColourTypeDepthAndInterlacingMatchesTheJdkReader(
            Kind kind, boolean interlaced, int width, int height, long seed) throws Exception {
        byte[] png = PngVariants.png(kind, width, height, interlaced, seed);
        assertThat(PngVariants.isInterlaced(png)).isEqualTo(interlaced);
        // The JDK passes grey with transparency through its linear grey colour space, lightening
        // mid-greys
        // by up to ~70 levels (plain grey it copies as stored): the reference for those is the same
        // samples stored as colour, which it reads as stored.
        boolean greyWithTransparency = kind == Kind.GRAY_ALPHA8 || kind == Kind.GRAY8_TRNS_KEY;
        BufferedImage expected =
                JDK.decode(
                        greyWithTransparency
                                ? PngVariants.greyAsColour(kind, width, height, interlaced, seed)
                                : png);
        BufferedImage actual = SubsampledPngDecoder.decode(png, 128, MAX_PIXELS).orElseThrow();
        RasterDifference difference = RasterDifference.of(expected, actual);
        // 16-bit samples: libspng keeps the high byte where the JDK rounds. Everything else is
        // exact.
        boolean sixteenBit = kind == Kind.GRAY16 || kind == Kind.RGB16 || kind == Kind.RGBA16;
        assertThat(difference.meanAbsolute())
                .as(difference.toString())
                .isLessThanOrEqualTo(sixteenBit ? 1.0 : 0.0);
        assertThat(difference.max())
                .as(difference.toString())
                .isLessThanOrEqualTo(sixteenBit ? 1 : 0);
    }

    @Test
    void transparencyLandsOnWhite() throws Exception {
        for (Kind kind :
                new Kind[] {
                    Kind.RGBA8,
                    Kind.RGBA16,
                    Kind.GRAY_ALPHA8,
                    Kind.GRAY8_TRNS_KEY,
                    Kind.RGB8_TRNS_KEY
                }) {
            BufferedImage image =
                    SubsampledPngDecoder.decode(
                                    PngVariants.png(kind, 200, 150, false, 7), 128, MAX_PIXELS)
                            .orElseThrow();
            // The corners are fully transparent in every variant (the key colour in the tRNS ones).
            assertThat(image.getRGB(0, 0) & 0xFFFFFF).as(kind.name()).isEqualTo(0xFFFFFF);
            assertThat(image.getRGB(199, 149) & 0xFFFFFF).as(kind.name()).isEqualTo(0xFFFFFF);
        }
        assertThat(
                        SubsampledPngDecoder.decode(
                                                FormatSamples.pngPaletteWithTransparency(),
                                                128,
                                                MAX_PIXELS)
                                        .orElseThrow()
                                        .getRGB(90, 4)
                                & 0xFFFFFF)
                .isEqualTo(0xFFFFFF);
    }

    @Test
    void largeImagesKeepEveryStepthPixelAsTheJdkSubsamplingDoes() throws Exception {
        BufferedImage image =
                SubsampledPngDecoder.decode(
                                PngVariants.png(Kind.RGB8, 1300, 901, false, 3), 128, MAX_PIXELS)
                        .orElseThrow();
        // step = 901 / 128 = 7
        assertThat(image.getWidth()).isEqualTo((1300 + 6) / 7);
        assertThat(image.getHeight()).isEqualTo((901 + 6) / 7);
        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
    }

    @Test
    void theJdkPathTakesStoredGreyWithTransparencyAsStoredNotThroughLinearGrey() throws Exception {
        for (Kind kind : new Kind[] {Kind.GRAY_ALPHA8, Kind.GRAY8_TRNS_KEY}) {
            for (boolean interlaced : new boolean[] {false, true}) {
                BufferedImage grey = JDK.decode(PngVariants.png(kind, 517, 333, interlaced, 5));
                BufferedImage asColour =
                        JDK.decode(PngVariants.greyAsColour(kind, 517, 333, interlaced, 5));
                RasterDifference difference = RasterDifference.of(asColour, grey);
                assertThat(difference.max()).as(kind + " " + difference).isZero();
            }
        }
    }

    @Test
    void realPngsFromDebianPackagesMatchTheJdkReader() throws Exception {
        List<Path> files = RealImages.pngs(40);
        assertThat(files)
                .as("PNGs under /usr/share (scripts/install-deps.sh installs desktop-base)")
                .hasSizeGreaterThanOrEqualTo(20);
        double worst = 0;
        for (Path file : files) {
            byte[] png = Files.readAllBytes(file);
            BufferedImage expected = JDK.decode(png);
            BufferedImage actual = SubsampledPngDecoder.decode(png, 128, MAX_PIXELS).orElseThrow();
            RasterDifference difference = RasterDifference.of(expected, actual);
            worst = Math.max(worst, difference.meanAbsolute());
            assertThat(difference.meanAbsolute())
                    .as(file + ": " + difference)
                    .isLessThanOrEqualTo(1.0);
        }
        System.out.printf(
                "%d real PNGs, worst mean absolute difference %.3f%n", files.size(), worst);
    }

    @Test
    void damagedFilesAreRefusedForTheSameReasonsAsBefore() throws Exception {
        byte[] png = PngVariants.png(Kind.RGBA8, 400, 300, false, 11);
        byte[] interlaced = PngVariants.png(Kind.PALETTE8_ALPHA, 400, 300, true, 12);
        List<byte[]> damaged = new ArrayList<>();
        for (double fraction : new double[] {0.02, 0.05, 0.3, 0.6, 0.9, 0.99}) {
            damaged.add(FormatSamples.truncated(png, fraction));
            damaged.add(FormatSamples.truncated(interlaced, fraction));
        }
        damaged.add(garbled(png, png.length / 2));
        damaged.add(garbled(interlaced, interlaced.length / 3));
        byte[] badHeader = png.clone();
        badHeader[16] = (byte) 0x80; // width >= 2^31, which PNG forbids
        damaged.add(badHeader);
        for (byte[] data : damaged) {
            assertThat(outcome(SERVICE, data)).isEqualTo(outcome(JDK, data));
        }
        assertThat(outcome(SERVICE, FormatSamples.truncated(png, 0.6)))
                .isEqualTo(FailureReason.CORRUPT.key());
    }

    @Test
    void oversizedHeadersAreRefusedBeforeDecoding() throws Exception {
        // 40000 x 40000 declared, a few KB of data: decoding would fail differently, or take
        // gigabytes.
        assertThatThrownBy(
                        () ->
                                SubsampledPngDecoder.decode(
                                        FormatSamples.pngBomb(40_000), 128, MAX_PIXELS))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        ex -> assertThat(ex.reason()).isEqualTo(FailureReason.TOO_MANY_PIXELS));
        byte[] png = PngVariants.png(Kind.RGB8, 200, 200, false, 1);
        assertThatThrownBy(() -> SubsampledPngDecoder.decode(png, 128, 39_999))
                .isInstanceOfSatisfying(
                        ImageRejectedException.class,
                        ex -> assertThat(ex.detail()).contains("200x200"));
        assertThat(SubsampledPngDecoder.decode(png, 128, 40_000)).isPresent();
    }

    /** The failure reason, or "decoded WxH". */
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
        for (int i = at; i < Math.min(out.length - 12, at + 64); i++) {
            out[i] ^= (byte) 0x5A;
        }
        return out;
    }
}
