package dev.faissshard.image.webp;

import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.jni.NativeLibrary;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes WebP images (lossy and lossless, with or without alpha) with libwebp, scaled while
 * decoding to the size the general decoder's source subsampling would give ({@code step = shorter
 * side / decodeSize}), so the rest of the pipeline sees the same raster sizes; libwebp averages
 * where subsampling picks single pixels. Transparency is composited on white as the general decoder
 * does. About 10x cheaper than TwelveMonkeys' Java reader.
 *
 * <p>Returns empty for whatever it does not take (native library missing, animated files, any data
 * libwebp refuses), so that the general reader decides, and damaged files are refused for the same
 * reasons as before. Only a header declaring too many pixels is refused here, before any decoding.
 * Thread-safe: the calls share no state.
 */
public final class ScaledWebPDecoder {

    private static final Logger log = LoggerFactory.getLogger(ScaledWebPDecoder.class);
    private static final NativeLibrary LIBRARY =
            new NativeLibrary(
                    WebPNative.class,
                    failure ->
                            log.warn(
                                    "Native WebP decoding unavailable ({}); WebP images are decoded by the slower Java reader. "
                                            + "Install libwebp7 to enable it.",
                                    failure.toString()));

    private ScaledWebPDecoder() {}

    /** Whether libwebp and the binding loaded; WebP images go to TwelveMonkeys' reader when not. */
    public static boolean isAvailable() {
        return LIBRARY.isLoaded();
    }

    /**
     * Decodes {@code webp}, refusing images of more than {@code maxPixels} from the header alone.
     */
    public static Optional<BufferedImage> decode(byte[] webp, int decodeSize, long maxPixels)
            throws ImageRejectedException {
        if (!isAvailable()) {
            return Optional.empty();
        }
        int[] info = new int[4];
        int status = WebPNative.read_features(webp, webp.length, info);
        if (status != 0) {
            return declined(status);
        }
        int width = info[0];
        int height = info[1];
        boolean animated = info[3] != 0;
        if ((long) width * height > maxPixels) {
            throw ImageRejectedException.tooManyPixels(width, height, maxPixels);
        }
        if (animated || width <= 0 || height <= 0) {
            return Optional.empty();
        }
        int step = Math.max(1, Math.min(width, height) / decodeSize);
        int scaledWidth = (width + step - 1) / step;
        int scaledHeight = (height + step - 1) / step;
        BufferedImage image =
                new BufferedImage(scaledWidth, scaledHeight, BufferedImage.TYPE_INT_RGB);
        int[] raster = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        status = WebPNative.decode_bgrx(webp, webp.length, scaledWidth, scaledHeight, raster);
        if (status != 0) {
            return declined(status);
        }
        return Optional.of(image);
    }

    private static Optional<BufferedImage> declined(int status) {
        log.debug(
                "libwebp declined a file ({}); the Java reader decides",
                WebPNative.status_message(status));
        return Optional.empty();
    }
}
