package dev.faissshard.image;

import java.awt.image.BufferedImage;

/**
 * The EXIF orientation tag (0x0112) of JPEG, PNG ({@code eXIf}) and WebP ({@code EXIF}) files, and
 * the turn or mirror that shows the picture upright. Cameras and phones store the sensor's rows as
 * they came and only record how the picture should be turned; decoders return the stored rows.
 */
final class ExifOrientation {

    /** Stored upright. */
    static final int NORMAL = 1;

    private static final int ORIENTATION_TAG = 0x0112;

    private ExifOrientation() {}

    /**
     * The orientation recorded in the file, 1 to 8; {@link #NORMAL} when there is none or it is
     * unreadable.
     */
    static int of(byte[] data, ImageFormat format) {
        try {
            int tiff =
                    switch (format) {
                        case JPEG -> jpegExif(data);
                        case PNG -> pngExif(data);
                        case WEBP -> webpExif(data);
                        default -> -1;
                    };
            int orientation = tiff < 0 ? NORMAL : tiffOrientation(data, tiff);
            return orientation >= 1 && orientation <= 8 ? orientation : NORMAL;
        } catch (ArrayIndexOutOfBoundsException ex) {
            // A damaged EXIF block must not cost the picture; it is then shown as stored.
            return NORMAL;
        }
    }

    /** Turns or mirrors an RGB image as its orientation says. */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation == NORMAL) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        int[] src = image.getRGB(0, 0, w, h, null, 0, w);
        int[] dst = new int[src.length];
        for (int dy = 0; dy < oh; dy++) {
            for (int dx = 0; dx < ow; dx++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> {
                        sx = w - 1 - dx;
                        sy = dy;
                    }
                    case 3 -> {
                        sx = w - 1 - dx;
                        sy = h - 1 - dy;
                    }
                    case 4 -> {
                        sx = dx;
                        sy = h - 1 - dy;
                    }
                    case 5 -> {
                        sx = dy;
                        sy = dx;
                    }
                    case 6 -> {
                        sx = dy;
                        sy = h - 1 - dx;
                    }
                    case 7 -> {
                        sx = w - 1 - dy;
                        sy = h - 1 - dx;
                    }
                    default -> {
                        sx = w - 1 - dy;
                        sy = dx;
                    }
                }
                dst[dy * ow + dx] = src[sy * w + sx];
            }
        }
        BufferedImage out = new BufferedImage(ow, oh, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, ow, oh, dst, 0, ow);
        return out;
    }

    /** Offset of the TIFF header inside the first APP1 "Exif" segment, or -1. */
    private static int jpegExif(byte[] data) {
        int i = 2;
        while (i + 4 <= data.length && (data[i] & 0xFF) == 0xFF) {
            int marker = data[i + 1] & 0xFF;
            if (marker == 0xDA || marker == 0xD9) {
                return -1;
            }
            int length = u16(data, i + 2, false);
            if (marker == 0xE1 && length >= 8 && startsWith(data, i + 4, "Exif\0\0")) {
                return i + 10;
            }
            i += 2 + length;
        }
        return -1;
    }

    private static int pngExif(byte[] data) {
        int i = 8;
        while (i + 8 <= data.length) {
            int length = (int) u32(data, i, false);
            if (startsWith(data, i + 4, "eXIf")) {
                return i + 8;
            }
            if (startsWith(data, i + 4, "IDAT") || length < 0) {
                return -1;
            }
            i += 12 + length;
        }
        return -1;
    }

    private static int webpExif(byte[] data) {
        int i = 12;
        while (i + 8 <= data.length) {
            int length = (int) u32(data, i + 4, true);
            if (startsWith(data, i, "EXIF")) {
                int start = i + 8;
                return startsWith(data, start, "Exif\0\0") ? start + 6 : start;
            }
            if (length < 0) {
                return -1;
            }
            i += 8 + length + (length & 1);
        }
        return -1;
    }

    private static int tiffOrientation(byte[] data, int tiff) {
        boolean little = data[tiff] == 'I';
        long ifd = tiff + u32(data, tiff + 4, little);
        int entries = u16(data, (int) ifd, little);
        for (int e = 0; e < entries; e++) {
            int entry = (int) ifd + 2 + 12 * e;
            if (u16(data, entry, little) == ORIENTATION_TAG) {
                return u16(data, entry + 8, little);
            }
        }
        return NORMAL;
    }

    private static int u16(byte[] d, int i, boolean little) {
        return little
                ? (d[i] & 0xFF) | (d[i + 1] & 0xFF) << 8
                : (d[i] & 0xFF) << 8 | (d[i + 1] & 0xFF);
    }

    private static long u32(byte[] d, int i, boolean little) {
        return little
                ? (u16(d, i, true) | (long) u16(d, i + 2, true) << 16)
                : ((long) u16(d, i, false) << 16 | u16(d, i + 2, false));
    }

    private static boolean startsWith(byte[] data, int offset, String text) {
        if (offset < 0 || offset + text.length() > data.length) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (data[offset + i] != text.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
