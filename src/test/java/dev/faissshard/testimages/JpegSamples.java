package dev.faissshard.testimages;

import java.awt.Graphics2D;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * JPEG variants of the {@link FormatSamples} scene as cameras, phones and print workflows write
 * them: baseline, progressive, grayscale, Adobe CMYK and YCCK, EXIF-oriented, and a header bomb.
 */
public final class JpegSamples {

    private JpegSamples() {}

    public static byte[] jpegBaseline() {
        return jpeg(FormatSamples.scene(), false);
    }

    public static byte[] jpegProgressive() {
        return jpeg(FormatSamples.scene(), true);
    }

    public static byte[] jpegGrayscale() {
        BufferedImage gray =
                new BufferedImage(
                        FormatSamples.WIDTH, FormatSamples.HEIGHT, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.drawImage(FormatSamples.scene(), 0, 0, null);
        g.dispose();
        return jpeg(gray, false);
    }

    /**
     * Adobe-style CMYK (APP14 transform 0, inverted samples as Photoshop writes them) or YCCK
     * (APP14 transform 2), written from a raster so that no colour conversion happens on the way.
     */
    public static byte[] jpegCmyk(boolean ycck) {
        BufferedImage scene = FormatSamples.scene();
        WritableRaster cmyk =
                Raster.createInterleavedRaster(
                        DataBuffer.TYPE_BYTE, FormatSamples.WIDTH, FormatSamples.HEIGHT, 4, null);
        int[] sample = new int[4];
        for (int y = 0; y < FormatSamples.HEIGHT; y++) {
            for (int x = 0; x < FormatSamples.WIDTH; x++) {
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
                    // YCCK: the ink amounts C, M, Y read as R, G, B and stored as YCbCr (JFIF
                    // equations);
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
            IIOMetadata metadata =
                    writer.getDefaultImageMetadata(
                            ImageTypeSpecifier.createFromRenderedImage(scene),
                            writer.getDefaultWriteParam());
            IIOMetadataNode root =
                    (IIOMetadataNode) metadata.getAsTree("javax_imageio_jpeg_image_1.0");
            IIOMetadataNode jpegVariety =
                    (IIOMetadataNode) root.getElementsByTagName("JPEGvariety").item(0);
            while (jpegVariety.hasChildNodes()) {
                jpegVariety.removeChild(jpegVariety.getFirstChild());
            }
            IIOMetadataNode markers =
                    (IIOMetadataNode) root.getElementsByTagName("markerSequence").item(0);
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
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
            writer.dispose();
        }
    }

    /**
     * A JPEG whose pixels are stored turned so that EXIF orientation {@code orientation} shows the
     * reference scene upright (as a phone camera writes it).
     */
    public static byte[] jpegWithOrientation(int orientation) {
        BufferedImage stored = storedFor(FormatSamples.scene(), orientation);
        byte[] jpeg = jpeg(stored, false);
        byte[] app1 = exifApp1(orientation);
        byte[] out = new byte[jpeg.length + app1.length];
        out[0] = (byte) 0xFF;
        out[1] = (byte) 0xD8;
        System.arraycopy(app1, 0, out, 2, app1.length);
        System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
        return out;
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
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        } finally {
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

    /**
     * How a camera stores the rows of an upright scene for each orientation, written from the EXIF
     * definitions (6: "rotate 90 CW to display", so the rows are stored turned 90 CCW; 5 and 7 are
     * the transpose and transverse) as plain affine maps, independently of the decoder's own table.
     */
    static BufferedImage storedFor(BufferedImage upright, int orientation) {
        double w = upright.getWidth();
        double h = upright.getHeight();
        AffineTransform transform =
                switch (orientation) {
                    case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);
                    case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);
                    case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);
                    case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);
                    case 6 -> new AffineTransform(0, -1, 1, 0, 0, w);
                    case 7 -> new AffineTransform(0, -1, -1, 0, h, w);
                    case 8 -> new AffineTransform(0, 1, -1, 0, h, 0);
                    default -> new AffineTransform();
                };
        boolean swap = orientation >= 5;
        BufferedImage stored =
                new BufferedImage(
                        (int) (swap ? h : w), (int) (swap ? w : h), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = stored.createGraphics();
        g.drawImage(upright, transform, null);
        g.dispose();
        return stored;
    }

    /**
     * EXIF data as JPEG, PNG and WebP carry it: a big-endian TIFF whose IFD0 holds only the
     * orientation.
     */
    static byte[] exifTiff(int orientation) {
        ByteBuffer tiff = ByteBuffer.allocate(8 + 2 + 12 + 4);
        tiff.put((byte) 'M').put((byte) 'M').putShort((short) 42).putInt(8);
        tiff.putShort((short) 1);
        tiff.putShort((short) 0x0112)
                .putShort((short) 3)
                .putInt(1)
                .putShort((short) orientation)
                .putShort((short) 0);
        tiff.putInt(0);
        return tiff.array();
    }

    /** APP1 "Exif" segment. */
    private static byte[] exifApp1(int orientation) {
        byte[] body = exifTiff(orientation);
        ByteBuffer app1 = ByteBuffer.allocate(4 + 6 + body.length);
        app1.put((byte) 0xFF).put((byte) 0xE1).putShort((short) (2 + 6 + body.length));
        app1.put("Exif\0\0".getBytes(StandardCharsets.US_ASCII)).put(body);
        return app1.array();
    }

    private static int clamp(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }
}
