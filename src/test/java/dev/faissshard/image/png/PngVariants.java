package dev.faissshard.image.png;

import dev.faissshard.testimages.ProductImageGenerator;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * PNGs of every colour type and bit depth a catalogue may serve, written by the JDK's own PNG
 * writer (Adam7-interlaced on request), showing a rendered product whose transparency varies across
 * the picture: opaque in the middle, fading out towards the edges, fully transparent in the
 * corners.
 */
final class PngVariants {

    enum Kind {
        RGB8,
        RGBA8,
        GRAY8,
        GRAY16,
        GRAY_ALPHA8,
        RGB16,
        RGBA16,
        PALETTE1,
        PALETTE2,
        PALETTE4,
        PALETTE8_ALPHA,
        GRAY8_TRNS_KEY,
        RGB8_TRNS_KEY
    }

    private PngVariants() {}

    static byte[] png(Kind kind, int width, int height, boolean interlaced, long seed) {
        BufferedImage product = product(width, height, seed);
        if (kind == Kind.GRAY8_TRNS_KEY || kind == Kind.RGB8_TRNS_KEY) {
            // Mostly transparent pixels take the key colour (black, or pure green), which tRNS
            // makes transparent.
            int key = kind == Kind.GRAY8_TRNS_KEY ? 0xFF000000 : 0xFF00FF00;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    if (product.getRGB(x, y) >>> 24 < 128) {
                        product.setRGB(x, y, key);
                    }
                }
            }
        }
        return finish(kind, write(convert(kind, product), interlaced));
    }

    /**
     * The same picture as {@code png(kind, …)} for a grey kind with transparency, stored as RGB(A)
     * with the grey sample in every channel: the JDK reads these exactly, while it passes
     * grey-with-alpha through its linear grey colour space, lightening mid-greys.
     */
    static byte[] greyAsColour(Kind kind, int width, int height, boolean interlaced, long seed) {
        byte[] grey = png(kind, width, height, interlaced, seed);
        BufferedImage product = product(width, height, seed);
        Kind colour =
                switch (kind) {
                    case GRAY_ALPHA8 -> Kind.RGBA8;
                    case GRAY8_TRNS_KEY -> Kind.RGB8_TRNS_KEY;
                    default -> throw new IllegalArgumentException(kind.name());
                };
        assert grey.length > 0;
        BufferedImage greyed = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int p = product.getRGB(x, y);
                boolean key = kind == Kind.GRAY8_TRNS_KEY && p >>> 24 < 128;
                int g = key ? 0 : ((p >> 16 & 0xFF) * 3 + (p >> 8 & 0xFF) * 6 + (p & 0xFF)) / 10;
                greyed.setRGB(x, y, (key ? 0xFF000000 : p & 0xFF000000) | g << 16 | g << 8 | g);
            }
        }
        byte[] png = write(convert(colour, greyed), interlaced);
        return colour == Kind.RGB8_TRNS_KEY ? withChunk(png, "tRNS", new byte[6]) : png;
    }

    private static byte[] finish(Kind kind, byte[] png) {
        return switch (kind) {
            // The JDK writer never writes a colour key: add one.
            case GRAY8_TRNS_KEY -> withChunk(png, "tRNS", new byte[] {0, 0});
            case RGB8_TRNS_KEY -> withChunk(png, "tRNS", new byte[] {0, 0, 0, (byte) 255, 0, 0});
            default -> png;
        };
    }

    /** A product render on a transparent background, alpha fading from the centre. */
    static BufferedImage product(int width, int height, long seed) {
        BufferedImage square =
                ProductImageGenerator.render(
                        ProductImageGenerator.catalogueSpec(seed), Math.max(width, height));
        BufferedImage argb = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                double dx = (x + 0.5) / width - 0.5;
                double dy = (y + 0.5) / height - 0.5;
                double r = Math.sqrt(dx * dx + dy * dy) * 2;
                int alpha = (int) Math.round(255 * Math.max(0, Math.min(1, 1.6 - 1.4 * r)));
                argb.setRGB(x, y, alpha << 24 | (square.getRGB(x, y) & 0xFFFFFF));
            }
        }
        return argb;
    }

    private static BufferedImage convert(Kind kind, BufferedImage argb) {
        int w = argb.getWidth();
        int h = argb.getHeight();
        return switch (kind) {
            case RGB8, RGB8_TRNS_KEY -> copy(argb, BufferedImage.TYPE_INT_RGB);
            case RGBA8 -> argb;
            case GRAY8, GRAY8_TRNS_KEY -> copy(argb, BufferedImage.TYPE_BYTE_GRAY);
            case GRAY16 -> copy(argb, BufferedImage.TYPE_USHORT_GRAY);
            case GRAY_ALPHA8 -> components(argb, ColorSpace.CS_GRAY, 8, true);
            case RGB16 -> components(argb, ColorSpace.CS_sRGB, 16, false);
            case RGBA16 -> components(argb, ColorSpace.CS_sRGB, 16, true);
            case PALETTE1 -> indexed(argb, 1, false);
            case PALETTE2 -> indexed(argb, 2, false);
            case PALETTE4 -> indexed(argb, 4, false);
            case PALETTE8_ALPHA -> indexed(argb, 8, true);
        };
    }

    private static BufferedImage copy(BufferedImage argb, int type) {
        BufferedImage out = new BufferedImage(argb.getWidth(), argb.getHeight(), type);
        for (int y = 0; y < argb.getHeight(); y++) {
            for (int x = 0; x < argb.getWidth(); x++) {
                int p = argb.getRGB(x, y);
                if (type == BufferedImage.TYPE_INT_RGB) {
                    out.setRGB(x, y, p);
                } else {
                    // Grey written as samples, not through a colour conversion: the file holds what
                    // we say.
                    int grey = ((p >> 16 & 0xFF) * 3 + (p >> 8 & 0xFF) * 6 + (p & 0xFF)) / 10;
                    out.getRaster()
                            .setSample(
                                    x,
                                    y,
                                    0,
                                    type == BufferedImage.TYPE_USHORT_GRAY
                                            ? grey * 257 + (x & 0xFF)
                                            : grey);
                }
            }
        }
        return out;
    }

    private static BufferedImage components(
            BufferedImage argb, int space, int bits, boolean alpha) {
        int colours = space == ColorSpace.CS_GRAY ? 1 : 3;
        int bands = colours + (alpha ? 1 : 0);
        int[] sizes = new int[bands];
        java.util.Arrays.fill(sizes, bits);
        ComponentColorModel model =
                new ComponentColorModel(
                        ColorSpace.getInstance(space),
                        sizes,
                        alpha,
                        false,
                        alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE,
                        bits == 16 ? DataBuffer.TYPE_USHORT : DataBuffer.TYPE_BYTE);
        WritableRaster raster =
                model.createCompatibleWritableRaster(argb.getWidth(), argb.getHeight());
        int[] pixel = new int[bands];
        int scale = bits == 16 ? 257 : 1;
        for (int y = 0; y < argb.getHeight(); y++) {
            for (int x = 0; x < argb.getWidth(); x++) {
                int p = argb.getRGB(x, y);
                if (colours == 1) {
                    pixel[0] =
                            ((p >> 16 & 0xFF) * 3 + (p >> 8 & 0xFF) * 6 + (p & 0xFF)) / 10 * scale;
                } else {
                    pixel[0] = (p >> 16 & 0xFF) * scale;
                    pixel[1] = (p >> 8 & 0xFF) * scale;
                    pixel[2] = (p & 0xFF) * scale;
                }
                if (alpha) {
                    pixel[colours] = (p >>> 24) * scale;
                }
                raster.setPixel(x, y, pixel);
            }
        }
        return new BufferedImage(model, raster, false, null);
    }

    /**
     * A palette of 2^bits entries spanning the product's colours; with alpha, entries also vary in
     * opacity.
     */
    private static BufferedImage indexed(BufferedImage argb, int bits, boolean alpha) {
        int entries = 1 << bits;
        byte[] r = new byte[entries];
        byte[] g = new byte[entries];
        byte[] b = new byte[entries];
        byte[] a = new byte[entries];
        for (int i = 0; i < entries; i++) {
            r[i] = (byte) (i * 255 / (entries - 1));
            g[i] = (byte) ((i * 97) % 256);
            b[i] = (byte) (255 - i * 255 / (entries - 1));
            a[i] = (byte) (alpha ? (i % 4) * 85 : 255);
        }
        IndexColorModel model =
                alpha
                        ? new IndexColorModel(bits, entries, r, g, b, a)
                        : new IndexColorModel(bits, entries, r, g, b);
        BufferedImage out =
                new BufferedImage(
                        argb.getWidth(),
                        argb.getHeight(),
                        bits == 8
                                ? BufferedImage.TYPE_BYTE_INDEXED
                                : BufferedImage.TYPE_BYTE_BINARY,
                        model);
        for (int y = 0; y < argb.getHeight(); y++) {
            for (int x = 0; x < argb.getWidth(); x++) {
                int p = argb.getRGB(x, y);
                out.getRaster()
                        .setSample(x, y, 0, ((p >> 16 & 0xFF) + (p >> 8 & 0xFF) + x + y) % entries);
            }
        }
        return out;
    }

    private static byte[] write(BufferedImage image, boolean interlaced) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setProgressiveMode(
                    interlaced ? ImageWriteParam.MODE_DEFAULT : ImageWriteParam.MODE_DISABLED);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** Inserts a chunk right after IHDR (tRNS must precede IDAT). */
    static byte[] withChunk(byte[] png, String type, byte[] data) {
        int afterHeader = 8 + 4 + 4 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(png, 0, afterHeader);
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(name);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        out.write(png, afterHeader, png.length - afterHeader);
        return out.toByteArray();
    }

    /**
     * The colour type byte of the IHDR chunk and its interlace method, to check what was written.
     */
    static int colourType(byte[] png) {
        return png[25];
    }

    static boolean isInterlaced(byte[] png) {
        return png[28] == 1;
    }
}
