package dev.faissshard.testimages;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
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
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * The files real catalogues serve, good and bad, as bytes: every PNG, GIF, BMP and WebP variant the
 * decoder must read (JPEGs are in {@link JpegSamples}), plus decompression bombs, truncated files
 * and things that are not images. The good pictures all show the same scene, a {@link #INK} disc on
 * the left half of a white 96 x 64 canvas, so tests can check what was decoded, not only that
 * something was.
 */
public final class FormatSamples {

    /** The colour of the disc in every good sample. */
    public static final Color INK = new Color(200, 30, 40);

    public static final int WIDTH = 96;
    public static final int HEIGHT = 64;

    private FormatSamples() {}

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

    public static byte[] pngWithAlpha() {
        BufferedImage argb = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = argb.createGraphics();
        g.setColor(INK);
        g.fillOval(8, 12, 40, 40);
        g.dispose();
        return write(argb, "png");
    }

    /**
     * A PNG stored turned, with an {@code eXIf} chunk whose orientation shows the scene upright.
     */
    public static byte[] pngWithOrientation(int orientation) {
        byte[] png = write(JpegSamples.storedFor(scene(), orientation), "png");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int afterHeader = 8 + 4 + 4 + 13 + 4;
        out.write(png, 0, afterHeader);
        chunk(out, "eXIf", JpegSamples.exifTiff(orientation));
        out.write(png, afterHeader, png.length - afterHeader);
        return out.toByteArray();
    }

    /** 16 bits per channel RGB. */
    public static byte[] png16Bit() {
        ComponentColorModel model =
                new ComponentColorModel(
                        ColorSpace.getInstance(ColorSpace.CS_sRGB),
                        new int[] {16, 16, 16},
                        false,
                        false,
                        Transparency.OPAQUE,
                        DataBuffer.TYPE_USHORT);
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
        byte[] r = {0, (byte) INK.getRed()};
        byte[] gr = {0, (byte) INK.getGreen()};
        byte[] b = {0, (byte) INK.getBlue()};
        byte[] a = {0, (byte) 255};
        BufferedImage indexed =
                new BufferedImage(
                        WIDTH,
                        HEIGHT,
                        BufferedImage.TYPE_BYTE_INDEXED,
                        new IndexColorModel(8, 2, r, gr, b, a));
        BufferedImage scene = scene();
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                indexed.getRaster()
                        .setSample(x, y, 0, scene.getRGB(x, y) == Color.WHITE.getRGB() ? 0 : 1);
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
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    public static byte[] bmp() {
        return write(scene(), "bmp");
    }

    /**
     * A committed WebP fixture (see {@code src/test/resources/images/README.md}): lossy or
     * lossless, with alpha.
     */
    public static byte[] webp(boolean lossless) {
        String name =
                lossless ? "/images/disc-alpha-lossless.webp" : "/images/disc-alpha-lossy.webp";
        try (InputStream in = FormatSamples.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * A decompression bomb: a valid PNG header declaring {@code side} x {@code side} RGB pixels
     * followed by a few compressed rows of zeros. A few KB that would need gigabytes as a raster.
     */
    public static byte[] pngBomb(int side) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
        chunk(
                out,
                "IHDR",
                ByteBuffer.allocate(13)
                        .putInt(side)
                        .putInt(side)
                        .put((byte) 8)
                        .put((byte) 2)
                        .put((byte) 0)
                        .put((byte) 0)
                        .put((byte) 0)
                        .array());
        Deflater deflater = new Deflater(9);
        deflater.setInput(new byte[64 * (3 * side + 1)]);
        deflater.finish();
        byte[] compressed = new byte[16384];
        int length = deflater.deflate(compressed, 0, compressed.length, Deflater.SYNC_FLUSH);
        chunk(out, "IDAT", Arrays.copyOf(compressed, length));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
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
                """
                .getBytes(StandardCharsets.UTF_8);
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

    private static BufferedImage toIndexed(BufferedImage rgb) {
        BufferedImage indexed =
                new BufferedImage(rgb.getWidth(), rgb.getHeight(), BufferedImage.TYPE_BYTE_INDEXED);
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
        } catch (IOException ex) {
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
}
