package dev.faissshard.image;

/**
 * What a JPEG's markers say before any pixel is decoded: whether it is the plain kind (one or three
 * components, no Adobe colour transform) that the JDK's own reader decodes fastest, or a CMYK /
 * YCCK / Adobe file that needs TwelveMonkeys' careful colour handling.
 */
final class JpegHeader {

    private JpegHeader() {}

    static boolean isPlain(byte[] data) {
        int i = 2;
        while (i + 4 <= data.length && (data[i] & 0xFF) == 0xFF) {
            int marker = data[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int length = (data[i + 2] & 0xFF) << 8 | (data[i + 3] & 0xFF);
            if (marker == 0xEE) {
                return false;
            }
            boolean frame =
                    marker >= 0xC0
                            && marker <= 0xCF
                            && marker != 0xC4
                            && marker != 0xC8
                            && marker != 0xCC;
            if (frame) {
                int components = i + 9 < data.length ? data[i + 9] & 0xFF : -1;
                return components == 1 || components == 3;
            }
            if (marker == 0xDA || length < 2) {
                return false;
            }
            i += 2 + length;
        }
        return false;
    }
}
