package dev.faissshard.image;

import dev.faissshard.failure.FailureReason;
import dev.faissshard.failure.ImageRejectedException;
import dev.faissshard.image.jpeg.ReducedJpegDecoder;
import dev.faissshard.image.png.SubsampledPngDecoder;
import dev.faissshard.image.webp.ScaledWebPDecoder;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Decodes image bytes into a small RGB raster for the models. The header is read first: too many
 * pixels are refused before a raster exists, and large images are decoded at reduced size (a scaled
 * IDCT for plain JPEGs, libwebp's scaling for WebP, native subsampling for PNG, ImageIO's source
 * subsampling otherwise) so that only about {@code decodeSize} pixels per side are produced.
 * Transparency is composited on white, the background of product photos; the EXIF orientation is
 * applied; GIFs give their first frame. Anything else (text, PDF, truncated or damaged data) is
 * refused with the precise reason. Thread-safe.
 */
@Component
public class ImageDecoder {

    private final ImageProperties properties;
    private final boolean nativeDecoders;

    @Autowired
    public ImageDecoder(ImageProperties properties) {
        this(properties, true);
    }

    private ImageDecoder(ImageProperties properties, boolean nativeDecoders) {
        this.properties = properties;
        this.nativeDecoders = nativeDecoders;
        ImageIO.setUseCache(false);
        ImageIO.scanForPlugins();
    }

    /**
     * A decoder that uses the ImageIO readers alone, as when no native library is installed: the
     * reference the native decoders are compared with in tests and benchmarks.
     */
    public static ImageDecoder imageIoOnly(ImageProperties properties) {
        return new ImageDecoder(properties, false);
    }

    public BufferedImage decode(byte[] data) throws ImageRejectedException {
        if (data.length == 0) {
            throw new ImageRejectedException(FailureReason.NOT_AN_IMAGE, "empty body");
        }
        ImageFormat format = ImageFormat.sniff(data);
        if (!format.isRaster()) {
            throw new ImageRejectedException(
                    FailureReason.NOT_AN_IMAGE,
                    switch (format) {
                        case PDF -> "a PDF document, not an image";
                        case HTML ->
                                "an HTML page (an error or login page served in place of the image?)";
                        case SVG ->
                                "an SVG vector drawing; only raster images (JPEG, PNG, GIF, BMP, WebP) are embedded";
                        case XML -> "XML text, not an image";
                        case JSON -> "JSON text, not an image";
                        // Never the bytes themselves: details are shown to every caller, and the
                        // body may be anything.
                        default -> "first bytes are not an image signature";
                    });
        }
        Optional<BufferedImage> reduced = nativeDecode(data, format);
        if (reduced.isPresent()) {
            return ExifOrientation.apply(reduced.get(), ExifOrientation.of(data, format));
        }
        List<ImageReaderSpi> readers = readers(data);
        if (readers.isEmpty()) {
            throw new ImageRejectedException(
                    FailureReason.UNSUPPORTED_FORMAT,
                    format.name().toLowerCase(Locale.ROOT) + " images cannot be decoded here");
        }
        // Plain JPEGs go to the JDK's reader, 5-25% faster than TwelveMonkeys' (which wraps it; see
        // the
        // decode benchmark). TwelveMonkeys stays first for CMYK / YCCK / Adobe files, and is the
        // second
        // chance for damaged ones.
        if (format == ImageFormat.JPEG && readers.size() > 1 && JpegHeader.isPlain(data)) {
            readers.sort(
                    Comparator.comparing(
                            (ImageReaderSpi spi) ->
                                    !spi.getClass().getName().startsWith("com.sun.")));
        }
        ImageRejectedException first = null;
        for (ImageReaderSpi spi : readers) {
            try {
                return ExifOrientation.apply(
                        read(spi, data, format), ExifOrientation.of(data, format));
            } catch (ImageRejectedException ex) {
                if (ex.reason() != FailureReason.CORRUPT || format != ImageFormat.JPEG) {
                    throw ex;
                }
                first = first == null ? ex : first;
            }
        }
        throw first;
    }

    /**
     * The native decoders of the common catalogue formats, each producing the reduced raster
     * directly. Each returns empty for what it does not take (and for damaged data), which then
     * goes to the ImageIO readers below, so that refusals keep the same reasons whichever path is
     * installed.
     */
    private Optional<BufferedImage> nativeDecode(byte[] data, ImageFormat format)
            throws ImageRejectedException {
        if (!nativeDecoders) {
            return Optional.empty();
        }
        return switch (format) {
            case JPEG -> JpegHeader.isPlain(data) ? reducedJpeg(data) : Optional.empty();
            case WEBP ->
                    ScaledWebPDecoder.decode(data, properties.decodeSize(), properties.maxPixels());
            case PNG ->
                    SubsampledPngDecoder.decode(
                            data, properties.decodeSize(), properties.maxPixels());
            default -> Optional.empty();
        };
    }

    /**
     * Most catalogue photos are plain JPEGs: libjpeg-turbo decodes them at a reduced IDCT scale,
     * 2-4x cheaper than the JDK's reader, which decodes every pixel before subsampling. A file it
     * finds damaged gets the general readers' opinion, so that both paths refuse the same files for
     * the same reasons.
     */
    private Optional<BufferedImage> reducedJpeg(byte[] data) throws ImageRejectedException {
        try {
            return ReducedJpegDecoder.decode(data, properties.decodeSize(), properties.maxPixels());
        } catch (ImageRejectedException ex) {
            if (ex.reason() == FailureReason.CORRUPT) {
                return Optional.empty();
            }
            throw ex;
        }
    }

    /**
     * The installed readers that recognise the data, in ImageIO's order, without creating reader
     * instances.
     */
    private static List<ImageReaderSpi> readers(byte[] data) throws ImageRejectedException {
        List<ImageReaderSpi> found = new ArrayList<>();
        try (ImageInputStream input =
                new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            Iterator<ImageReaderSpi> providers =
                    IIORegistry.getDefaultInstance()
                            .getServiceProviders(ImageReaderSpi.class, true);
            while (providers.hasNext()) {
                ImageReaderSpi spi = providers.next();
                input.mark();
                try {
                    if (spi.canDecodeInput(input)) {
                        found.add(spi);
                    }
                } finally {
                    input.reset();
                }
            }
        } catch (IOException ex) {
            throw new ImageRejectedException(
                    FailureReason.CORRUPT,
                    "unreadable image data: " + decoderWords(ex.getMessage()),
                    ex);
        }
        return found;
    }

    private BufferedImage read(ImageReaderSpi spi, byte[] data, ImageFormat format)
            throws ImageRejectedException {
        try (ImageInputStream input =
                new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            ImageReader reader = spi.createReaderInstance();
            try {
                reader.setInput(input, true, true);
                return read(reader, format);
            } finally {
                reader.dispose();
            }
        } catch (IOException ex) {
            throw corrupt(format, ex);
        }
    }

    private BufferedImage read(ImageReader reader, ImageFormat format)
            throws ImageRejectedException {
        int width;
        int height;
        try {
            width = reader.getWidth(0);
            height = reader.getHeight(0);
        } catch (IOException | RuntimeException ex) {
            throw corrupt(format, ex);
        }
        if (width <= 0 || height <= 0) {
            throw new ImageRejectedException(
                    FailureReason.CORRUPT, "header declares " + width + "x" + height + " pixels");
        }
        if ((long) width * height > properties.maxPixels()) {
            throw ImageRejectedException.tooManyPixels(width, height, properties.maxPixels());
        }
        ImageReadParam param = reader.getDefaultReadParam();
        int step = Math.max(1, Math.min(width, height) / properties.decodeSize());
        if (step > 1) {
            param.setSourceSubsampling(step, step, 0, 0);
        }
        Truncation truncation = new Truncation();
        reader.addIIOReadWarningListener(truncation);
        BufferedImage image;
        try {
            image = reader.read(0, param);
        } catch (IOException | RuntimeException ex) {
            throw corrupt(format, ex);
        }
        if (truncation.warning != null) {
            throw new ImageRejectedException(
                    FailureReason.CORRUPT,
                    format.name().toLowerCase(Locale.ROOT)
                            + " data ends early: "
                            + decoderWords(truncation.warning));
        }
        return toRgbOnWhite(image);
    }

    private static BufferedImage toRgbOnWhite(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        if (isGreyWithAlpha(image)) {
            return greyWithAlphaOnWhite(image);
        }
        BufferedImage rgb =
                new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = rgb.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
            g.drawImage(image, 0, 0, null);
        } finally {
            g.dispose();
        }
        return rgb;
    }

    /**
     * Grey with transparency (PNG colour type 4, or grey with a tRNS key) comes out of the JDK's
     * readers in its linear grey colour space, which Java2D converts to sRGB when drawing:
     * mid-greys lighten by up to about 70 levels (a GIMP wallpaper measured 198 against the 161 of
     * its stored samples on white). Plain grey images are copied as stored, so only these take the
     * samples themselves.
     */
    private static boolean isGreyWithAlpha(BufferedImage image) {
        return image.getColorModel() instanceof ComponentColorModel model
                && model.hasAlpha()
                && model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && model.getNumComponents() == 2;
    }

    /** Composites the stored grey samples on white, rounding as the native PNG decoder does. */
    private static BufferedImage greyWithAlphaOnWhite(BufferedImage image) {
        ComponentColorModel model = (ComponentColorModel) image.getColorModel();
        int greyBits = model.getComponentSize(0);
        int alphaBits = model.getComponentSize(1);
        WritableRaster raster = image.getRaster();
        int width = image.getWidth();
        BufferedImage rgb = new BufferedImage(width, image.getHeight(), BufferedImage.TYPE_INT_RGB);
        int[] out = ((DataBufferInt) rgb.getRaster().getDataBuffer()).getData();
        int[] grey = new int[width];
        int[] alpha = new int[width];
        for (int y = 0; y < image.getHeight(); y++) {
            raster.getSamples(0, y, width, 1, 0, grey);
            raster.getSamples(0, y, width, 1, 1, alpha);
            for (int x = 0; x < width; x++) {
                int v = toEightBits(grey[x], greyBits);
                int a = toEightBits(alpha[x], alphaBits);
                if (a != 255) {
                    v = (v * a + 127) / 255 + 255 - a;
                }
                out[y * width + x] = v << 16 | v << 8 | v;
            }
        }
        return rgb;
    }

    /**
     * Sixteen-bit samples keep their high byte, as libspng does; fewer bits are scaled up to the
     * full range.
     */
    private static int toEightBits(int sample, int bits) {
        if (bits == 8) {
            return sample;
        }
        return bits > 8 ? sample >>> (bits - 8) : sample * 255 / ((1 << bits) - 1);
    }

    private static ImageRejectedException corrupt(ImageFormat format, Exception ex) {
        String message =
                ex.getMessage() == null
                        ? ex.getClass().getSimpleName()
                        : decoderWords(ex.getMessage());
        return new ImageRejectedException(
                FailureReason.CORRUPT,
                "damaged " + format.name().toLowerCase(Locale.ROOT) + " data: " + message,
                ex);
    }

    /**
     * A decoder's message, for a detail: decoders describe structure ("Bogus marker length"), but
     * one that quoted a metadata string would put body text into the job view, so only a short line
     * of plain ASCII is kept.
     */
    private static String decoderWords(String message) {
        if (message == null) {
            return "no message";
        }
        StringBuilder kept = new StringBuilder();
        for (int i = 0; i < message.length() && kept.length() < 120; i++) {
            char c = message.charAt(i);
            kept.append(c >= 0x20 && c < 0x7F ? c : ' ');
        }
        return kept.toString().strip();
    }

    /**
     * Decoders report a truncated stream as a warning and fill the rest with grey; we refuse it.
     */
    private static final class Truncation implements IIOReadWarningListener {

        private String warning;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String lower = warning.toLowerCase(Locale.ROOT);
            if (lower.contains("premature")
                    || lower.contains("truncat")
                    || lower.contains("end of")) {
                this.warning = warning;
            }
        }
    }
}
