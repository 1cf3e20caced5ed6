package dev.faissshard.image;

import java.nio.charset.StandardCharsets;

/** Recognises formats from their first bytes, to say precisely why a body is not a usable image. */
enum ImageFormat {
    JPEG,
    PNG,
    GIF,
    BMP,
    WEBP,
    TIFF,
    HEIF,
    AVIF,
    PDF,
    HTML,
    SVG,
    XML,
    JSON,
    UNKNOWN;

    static ImageFormat sniff(byte[] data) {
        if (startsWith(data, 0, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (startsWith(data, 0, 0x89, 'P', 'N', 'G')) {
            return PNG;
        }
        if (startsWith(data, 0, 'G', 'I', 'F', '8')) {
            return GIF;
        }
        if (startsWith(data, 0, 'B', 'M')) {
            return BMP;
        }
        if (startsWith(data, 0, 'R', 'I', 'F', 'F') && startsWith(data, 8, 'W', 'E', 'B', 'P')) {
            return WEBP;
        }
        if (startsWith(data, 0, 'I', 'I', '*', 0) || startsWith(data, 0, 'M', 'M', 0, '*')) {
            return TIFF;
        }
        if (startsWith(data, 4, 'f', 't', 'y', 'p')) {
            String brand =
                    new String(data, 8, Math.min(4, data.length - 8), StandardCharsets.US_ASCII);
            return brand.startsWith("avi") ? AVIF : HEIF;
        }
        if (startsWith(data, 0, '%', 'P', 'D', 'F')) {
            return PDF;
        }
        return text(data);
    }

    /**
     * Whether this is a raster format a decoder could be installed for (as opposed to not an
     * image).
     */
    boolean isRaster() {
        return ordinal() < PDF.ordinal();
    }

    /** Error pages, vector images and API answers served where a photo was expected. */
    private static ImageFormat text(byte[] data) {
        int i = 0;
        if (data.length >= 3
                && (data[0] & 0xFF) == 0xEF
                && (data[1] & 0xFF) == 0xBB
                && (data[2] & 0xFF) == 0xBF) {
            i = 3;
        }
        while (i < data.length && Character.isWhitespace(data[i])) {
            i++;
        }
        if (i >= data.length) {
            return UNKNOWN;
        }
        if (data[i] == '{' || data[i] == '[') {
            return JSON;
        }
        if (data[i] != '<') {
            return UNKNOWN;
        }
        String head =
                new String(data, i, Math.min(1024, data.length - i), StandardCharsets.ISO_8859_1)
                        .toLowerCase(java.util.Locale.ROOT);
        if (head.contains("<svg")) {
            return SVG;
        }
        if (head.startsWith("<!doctype html")
                || head.contains("<html")
                || head.contains("<body")
                || head.contains("<head")) {
            return HTML;
        }
        return XML;
    }

    private static boolean startsWith(byte[] data, int offset, int... prefix) {
        if (data.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((data[offset + i] & 0xFF) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
