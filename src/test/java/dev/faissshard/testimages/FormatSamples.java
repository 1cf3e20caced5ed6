package dev.faissshard.testimages;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The files real catalogues serve, good and bad, as bytes: every JPEG, PNG, GIF, BMP and WebP variant
 * the decoder must read, plus decompression bombs, truncated files and things that are not images. The
 * good pictures all show the same scene, a {@link #INK} disc on the left half of a white 96 x 64
 * canvas, so tests can check what was decoded, not only that something was.
 */
public final class FormatSamples {

    /** The colour of the disc in every good sample. */
    public static final Color INK = new Color(200, 30, 40);

    public static final int WIDTH = 96;
    public static final int HEIGHT = 64;

    private FormatSamples() {
    }

    /** The reference scene, opaque RGB. */
    public static BufferedImage scene() {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        g.setColor(INK);
        g.fillOval(8, 12, 40, 40);
        g.dispose();
        return image;
    }

    public static byte[] jpegBaseline() {
        return jpeg(scene(), false);
    }

    public static byte[] jpegProgressive() {
        return jpeg(scene(), true);
    }

    public static byte[] jpegGrayscale() {
        BufferedImage gray = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.drawImage(scene(), 0, 0, null);
        g.dispose();
        return jpeg(gray, false);
    }

    /**
     * Adobe-style CMYK (APP14 transform 0, inverted samples as Photoshop writes them) or YCCK (APP14
     * transform 2), written from a raster so that no colour conversion happens on the way.
     */
    public static byte[] jpegCmyk(boolean ycck) {
        BufferedImage scene = scene();
        WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, WIDTH, HEIGHT, 4, null);
        int[] sample = new int[4];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int rgb = scene.getRGB(x, y);
                float r = ((rgb >> 16) & 0xFF) / 255f;
                float gr = ((rgb >> 8) & 0xFF) / 255f;
                float b = (rgb & 0xFF) / 255f;
                float k = 1 - Math.max(r, Math.max(gr, b));
                float c = k >= 1 ? 0 : (1 - r - k) / (1 - k);
                float m = k >= 1 ? 0 : (1 - gr - k) / (1 - k);
                float ye = k >= 1 ? 0 : (1 - b - k) / (1 - k);
                // Adobe stores ink amounts inverted: 255 = no ink.
                sample[0] = Math.round(255 * (1 - c));
                sample[1] = Math.round(255 * (1 - m));
                sample[2] = Math.round(255 * (1 - ye));
                sample[3] = Math.round(255 * (1 - k));
                if (ycck) {
                    // YCCK: the ink amounts C, M, Y read as R, G, B and stored as YCbCr (JFIF equations);
                    // decoders take 255 - that RGB as the inverted CMY samples, K stays as is.
                    double rr = 255 - sample[0];
                    double gg = 255 - sample[1];
                    double bb = 255 - sample[2];
                    sample[0] = clamp(0.299 * rr + 0.587 * gg + 0.114 * bb);
                    sample[1] = clamp(128 - 0.168736 * rr - 0.331264 * gg + 0.5 * bb);
                    sample[2] = clamp(128 + 0.5 * rr - 0.418688 * gg - 0.081312 * bb);
                }
                cmyk.setPixel(x, y, sample);
            }
        }
        ImageWriter writer = jdkJpegWriter();
        try {
            IIOMetadata metadata = writer.getDefaultImageMetadata(
                    ImageTypeSpecifier.createFromRenderedImage(scene), writer.getDefaultWriteParam());
            IIOMetadataNode root = (IIOMetadataNode) metadata.getAsTree("javax_imageio_jpeg_image_1.0");
            IIOMetadataNode jpegVariety = (IIOMetadataNode) root.getElementsByTagName("JPEGvariety").item(0);
            while (jpegVariety.hasChildNodes()) {
                jpegVariety.removeChild(jpegVariety.getFirstChild());
            }
            IIOMetadataNode markers = (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
            IIOMetadataNode adobe = new IIOMetadataNode("app14Adobe");
            adobe.setAttribute("transform", ycck ? "2" : "0");
            markers.insertBefore(adobe, markers.getFirstChild());
            IIOMetadataNode sof = (IIOMetadataNode) root.getElementsByTagName("sof").item(0);
            while (sof.hasChildNodes()) {
                sof.removeChild(sof.getFirstChild());
            }
            for (int i = 1; i <= 4; i++) {
                IIOMetadataNode component = new IIOMetadataNode("componentSpec");
                component.setAttribute("componentId", Integer.toString(i));
                component.setAttribute("HsamplingFactor", "1");
                component.setAttribute("VsamplingFactor", "1");
                component.setAttribute("QtableSelector", i == 1 || i == 4 ? "0" : "1");
                sof.appendChild(component);
            }
            sof.setAttribute("numFrameComponents", "4");
            IIOMetadataNode sos = (IIOMetadataNode) root.getElementsByTagName("sos").item(0);
            while (sos.hasChildNodes()) {
                sos.removeChild(sos.getFirstChild());
            }
            for (int i = 1; i <= 4; i++) {
                IIOMetadataNode component = new IIOMetadataNode("scanComponentSpec");
                component.setAttribute("componentSelector", Integer.toString(i));
                component.setAttribute("dcHuffTable", i == 1 || i == 4 ? "0" : "1");
                component.setAttribute("acHuffTable", i == 1 || i == 4 ? "0" : "1");
                sos.appendChild(component);
            }
            sos.setAttribute("numScanComponents", "4");
            metadata.setFromTree("javax_imageio_jpeg_image_1.0", root);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
                writer.setOutput(stream);
                ImageWriteParam param = writer.getDefaultWriteParam();
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(0.95f);
                writer.write(null, new IIOImage(cmyk, null, metadata), param);
            }
            return out.toByteArray();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        finally {
            writer.dispose();
        }
    }

    /**
     * A JPEG whose pixels are stored turned so that EXIF orientation {@code orientation} shows the
     * reference scene upright (as a phone camera writes it).
     */
    public static byte[] jpegWithOrientation(int orientation) {
        BufferedImage stored = storedFor(scene(), orientation);
        byte[] jpeg = jpeg(stored, false);
        byte[] app1 = exifApp1(orientation);
        byte[] out = new byte[jpeg.length + app1.length];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        System.arraycopy(app1, 0, out, 2, app1.length);
        System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
        return out;
    }

    public static byte[] pngWithAlpha() {
        BufferedImage argb = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = argb.createGraphics();
        g.setColor(INK);
        g.fillOval(8, 12, 40, 40);
        g.dispose();
        return write(argb, "png");
    }

    /** 16 bits per channel RGB. */
    public static byte[] png16Bit() {
        ComponentColorModel model = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] { 16, 16, 16 },
                false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = model.createCompatibleWritableRaster(WIDTH, HEIGHT);
        BufferedImage scene = scene();
        int[] pixel = new int[3];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int rgb = scene.getRGB(x, y);
                pixel[0] = ((rgb >> 16) & 0xFF) * 257;
                pixel[1] = ((rgb >> 8) & 0xFF) * 257;
                pixel[2] = (rgb & 0xFF) * 257;
                raster.setPixel(x, y, pixel);
            }
        }
        return write(new BufferedImage(model, raster, false, null), "png");
    }

    /** A palette PNG whose background entry is fully transparent (a tRNS chunk). */
    public static byte[] pngPaletteWithTransparency() {
        byte[] r = { 0, (byte) INK.getRed() };
        byte[] gr = { 0, (byte) INK.getGreen() };
        byte[] b = { 0, (byte) INK.getBlue() };
        byte[] a = { 0, (byte) 255 };
        BufferedImage indexed = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_BYTE_INDEXED,
                new IndexColorModel(8, 2, r, gr, b, a));
        BufferedImage scene = scene();
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                indexed.getRaster().setSample(x, y, 0, scene.getRGB(x, y) == Color.WHITE.getRGB() ? 0 : 1);
            }
        }
        return write(indexed, "png");
    }

    /** Two frames; the first is the reference scene, the second is all black. */
    public static byte[] gifAnimated() {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.prepareWriteSequence(null);
            writer.writeToSequence(new IIOImage(toIndexed(scene()), null, null), null);
            BufferedImage black = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
            writer.writeToSequence(new IIOImage(toIndexed(black), null, null), null);
            writer.endWriteSequence();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    public static byte[] bmp() {
        return write(scene(), "bmp");
    }

    /** A committed WebP fixture (see {@code src/test/resources/images/README.md}): lossy or lossless, with alpha. */
    public static byte[] webp(boolean lossless) {
        String name = lossless ? "/images/disc-alpha-lossless.webp" : "/images/disc-alpha-lossy.webp";
        try (InputStream in = FormatSamples.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * A decompression bomb: a valid PNG header declaring {@code side} x {@code side} RGB pixels followed
     * by a few compressed rows of zeros. A few KB that would need gigabytes as a raster.
     */
    public static byte[] pngBomb(int side) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] { (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n' });
        chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(side).putInt(side).put((byte) 8).put((byte) 2)
            .put((byte) 0).put((byte) 0).put((byte) 0).array());
        Deflater deflater = new Deflater(9);
        deflater.setInput(new byte[64 * (3 * side + 1)]);
        deflater.finish();
        byte[] compressed = new byte[16384];
        int length = deflater.deflate(compressed, 0, compressed.length, Deflater.SYNC_FLUSH);
        chunk(out, "IDAT", Arrays.copyOf(compressed, length));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A JPEG whose frame header claims 60000 x 60000 pixels. */
    public static byte[] jpegBomb() {
        byte[] jpeg = jpegBaseline();
        for (int i = 2; i + 9 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = (byte) (60000 >> 8);
                jpeg[i + 6] = (byte) (60000 & 0xFF);
                jpeg[i + 7] = (byte) (60000 >> 8);
                jpeg[i + 8] = (byte) (60000 & 0xFF);
                return jpeg;
            }
        }
        throw new IllegalStateException("no SOF0 marker");
    }

    /** The first {@code fraction} of a file, as a dropped connection leaves it. */
    public static byte[] truncated(byte[] data, double fraction) {
        return Arrays.copyOf(data, (int) (data.length * fraction));
    }

    /** A PNG whose signature was damaged (first bytes no format has). */
    public static byte[] wrongMagic() {
        byte[] png = write(scene(), "png");
        png[0] = 'X';
        png[1] = 'Q';
        return png;
    }

    public static byte[] html() {
        return "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head><body>Not found</body></html>"
            .getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] svg() {
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <svg xmlns="http://www.w3.org/2000/svg" width="96" height="64"><circle cx="28" cy="32" r="20" fill="#c81e28"/></svg>
                """.getBytes(StandardCharsets.UTF_8);
    }

    public static byte[] pdf() {
        return "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
            .getBytes(StandardCharsets.US_ASCII);
    }

    /** The first bytes of a HEIF (iPhone) photo, a format nothing here decodes. */
    public static byte[] heif() {
        byte[] data = new byte[64];
        ByteBuffer.wrap(data).putInt(24).put("ftypheic".getBytes(StandardCharsets.US_ASCII));
        return data;
    }

    public static byte[] jpeg(BufferedImage image, boolean progressive) {
        ImageWriter writer = jdkJpegWriter();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(0.92f);
            if (progressive) {
                param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            }
            writer.write(null, new IIOImage(image, null, null), param);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static ImageWriter jdkJpegWriter() {
        var writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter fallback = null;
        while (writers.hasNext()) {
            ImageWriter writer = writers.next();
            if (writer.getClass().getName().startsWith("com.sun.")) {
                return writer;
            }
            fallback = fallback == null ? writer : fallback;
        }
        return fallback;
    }

    private static BufferedImage storedFor(BufferedImage upright, int orientation) {
        // The inverse of what the orientation asks a viewer to do.
        int inverse = switch (orientation) {
            case 6 -> 8;
            case 8 -> 6;
            default -> orientation;
        };
        int w = upright.getWidth();
        int h = upright.getHeight();
        boolean swap = inverse >= 5;
        BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) {
            for (int x = 0; x < out.getWidth(); x++) {
                int sx;
                int sy;
                switch (inverse) {
                    case 2 -> { sx = w - 1 - x; sy = y; }
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }
                    case 4 -> { sx = x; sy = h - 1 - y; }
                    case 5 -> { sx = y; sy = x; }
                    case 6 -> { sx = y; sy = h - 1 - x; }
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }
                    case 8 -> { sx = w - 1 - y; sy = x; }
                    default -> { sx = x; sy = y; }
                }
                out.setRGB(x, y, upright.getRGB(sx, sy));
            }
        }
        return out;
    }

    /** APP1 "Exif" segment, big-endian TIFF, IFD0 holding only the orientation tag. */
    private static byte[] exifApp1(int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4);
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) 0x0112).putShort((short) 3).putInt(1).putShort((short) orientation).putShort((short) 0);
        tiff.putInt(0);
        byte[] body = tiff.array();
        ByteBuffer app1 = ByteBuffer.allocate(4 + 6 + body.length);
        app1.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (2 + 6 + body.length));
        app1.put("Exif\0\0".getBytes(StandardCharsets.US_ASCII)).put(body);
        return app1.array();
    }

    private static BufferedImage toIndexed(BufferedImage rgb) {
        BufferedImage indexed = new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
        Graphics2D g = indexed.createGraphics();
        g.drawImage(rgb, 0, 0, null);
        g.dispose();
        return indexed;
    }

    private static byte[] write(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no " + format + " writer for " + image);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(name);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    private static int clamp(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }
}
