package dev.faissshard.image.png;

import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.jni.NativeLibrary;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes PNGs (every colour type and bit depth, palette and tRNS transparency, Adam7 interlacing)
 * with libspng, keeping the pixels the general decoder's source subsampling keeps ({@code step =
 * shorter side / decodeSize}, every step-th pixel of every step-th row) and compositing
 * transparency on white as it does, so the rasters match the JDK reader's to rounding. Rows stream
 * through one row buffer: memory is one row plus the small output raster, whatever the image size.
 * About 3x cheaper than the JDK's reader.
 *
 * <p>Returns empty for whatever it does not take (native library missing, any data libspng refuses,
 * such as a bad checksum or truncated data), so that the JDK's reader decides and damaged files are
 * refused for the same reasons as before. Only a header declaring too many pixels is refused here,
 * before any decoding. Gamma and colour profiles are ignored, as the JDK's reader ignores them.
 * Thread-safe: each call uses its own libspng context.
 */
public final class SubsampledPngDecoder {

    private static final Logger log = LoggerFactory.getLogger(SubsampledPngDecoder.class);
    private static final NativeLibrary LIBRARY =
            new NativeLibrary(
                    PngNative.class,
                    failure ->
                            log.warn(
                                    "Native PNG decoding unavailable ({}); PNGs are decoded by the slower JDK reader. "
                                            + "Install libspng0 to enable it.",
                                    failure.toString()));

    private SubsampledPngDecoder() {}

    /** Whether libspng and the binding loaded; PNGs go to the JDK's reader when not. */
    public static boolean isAvailable() {
        return LIBRARY.isLoaded();
    }

    /**
     * Decodes {@code png}, refusing images of more than {@code maxPixels} from the header alone.
     */
    public static Optional<BufferedImage> decode(byte[] png, int decodeSize, long maxPixels)
            throws ImageRejectedException {
        if (!isAvailable()) {
            return Optional.empty();
        }
        int[] info = new int[5];
        int error = PngNative.read_header(png, png.length, info);
        if (error != 0) {
            return declined(error);
        }
        // IHDR holds unsigned 31-bit sizes; libspng has validated them, so they are positive here.
        int width = info[0];
        int height = info[1];
        if ((long) width * height > maxPixels) {
            throw ImageRejectedException.tooManyPixels(width, height, maxPixels);
        }
        int step = Math.max(1, Math.min(width, height) / decodeSize);
        int outWidth = (width + step - 1) / step;
        int outHeight = (height + step - 1) / step;
        BufferedImage image = new BufferedImage(outWidth, outHeight, BufferedImage.TYPE_INT_RGB);
        int[] raster = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        error = PngNative.decode_subsampled(png, png.length, step, outWidth, outHeight, raster);
        if (error != 0) {
            return declined(error);
        }
        return Optional.of(image);
    }

    private static Optional<BufferedImage> declined(int error) {
        log.debug(
                "libspng declined a file ({}); the JDK reader decides",
                PngNative.error_message(error));
        return Optional.empty();
    }
}
