package dev.faissshard.image.jpeg;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.jni.NativeLibrary;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Optional;
import org.bytedeco.javacpp.Pointer;

/**
 * Decodes JPEGs with libjpeg-turbo at the smallest IDCT scale (1/8, 1/4, 1/2 or 1) that still
 * leaves {@code minShorterSide} pixels on the shorter side: the models need small inputs, and a
 * scaled IDCT skips most of the work that the JDK's reader does before it subsamples.
 *
 * <p>Handles the JPEGs of almost every catalogue (YCbCr, grayscale, RGB; baseline and progressive).
 * CMYK and YCCK (Adobe) files are left to the general decoder, which converts their colours with
 * care: {@link #decode} then returns empty. Thread-safe: each call uses its own TurboJPEG handle.
 */
public final class ReducedJpegDecoder {

    private static final int[] SCALES = {8, 4, 2, 1};
    // Without the library every JPEG goes to the general decoder, which needs no word of warning.
    private static final NativeLibrary LIBRARY =
            new NativeLibrary(TurboJpegNative.class, failure -> {});

    private ReducedJpegDecoder() {}

    /** Whether the native decoder loaded; the general decoder takes every JPEG when it did not. */
    public static boolean isAvailable() {
        return LIBRARY.isLoaded();
    }

    /**
     * Decodes {@code jpeg}, refusing images of more than {@code maxPixels} from the header alone.
     * Returns empty when the file's colour space is one this path leaves to the general decoder.
     */
    public static Optional<BufferedImage> decode(byte[] jpeg, int minShorterSide, long maxPixels)
            throws ImageRejectedException {
        if (!isAvailable()) {
            return Optional.empty();
        }
        Pointer handle = TurboJpegNative.decoder_create();
        if (handle == null || handle.isNull()) {
            return Optional.empty();
        }
        try {
            int[] info = new int[4];
            if (TurboJpegNative.read_header(handle, jpeg, jpeg.length, info) != 0) {
                throw corrupt(handle, "unreadable header");
            }
            int width = info[0];
            int height = info[1];
            int colorspace = info[3];
            if (width <= 0 || height <= 0) {
                throw new ImageRejectedException(
                        FailureReason.CORRUPT,
                        "header declares " + width + "x" + height + " pixels");
            }
            if ((long) width * height > maxPixels) {
                throw ImageRejectedException.tooManyPixels(width, height, maxPixels);
            }
            if (colorspace != TurboJpegNative.colorspace_ycbcr()
                    && colorspace != TurboJpegNative.colorspace_gray()
                    && colorspace != TurboJpegNative.colorspace_rgb()) {
                return Optional.empty();
            }
            int scale = scale(Math.min(width, height), minShorterSide);
            int scaledWidth = (width + scale - 1) / scale;
            int scaledHeight = (height + scale - 1) / scale;
            BufferedImage image =
                    new BufferedImage(scaledWidth, scaledHeight, BufferedImage.TYPE_INT_RGB);
            int[] raster = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
            if (TurboJpegNative.decode_bgrx(
                            handle, jpeg, jpeg.length, scaledWidth, scaledHeight, raster)
                    != 0) {
                // A warning (data ends early, a damaged segment) leaves grey or garbage rows:
                // refused, as
                // the general decoder refuses a truncated file.
                throw corrupt(
                        handle,
                        TurboJpegNative.error_code(handle) == TurboJpegNative.error_warning()
                                ? "damaged or truncated"
                                : "undecodable");
            }
            return Optional.of(image);
        } finally {
            TurboJpegNative.decoder_free(handle);
        }
    }

    /** The largest IDCT reduction whose output keeps at least {@code minShorterSide} pixels. */
    static int scale(int shorterSide, int minShorterSide) {
        for (int scale : SCALES) {
            if ((shorterSide + scale - 1) / scale >= minShorterSide) {
                return scale;
            }
        }
        return 1;
    }

    private static ImageRejectedException corrupt(Pointer handle, String what) {
        return new ImageRejectedException(
                FailureReason.CORRUPT,
                "damaged jpeg data (" + what + "): " + TurboJpegNative.error_message(handle));
    }
}
