package dev.faissshard.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.util.Locale;

/**
 * How far two decodes of the same file lie apart, per 8-bit channel; both must have the same size.
 */
public record RasterDifference(double meanAbsolute, int max) {

    public static RasterDifference of(BufferedImage expected, BufferedImage actual) {
        assertThat(actual.getWidth()).as("width").isEqualTo(expected.getWidth());
        assertThat(actual.getHeight()).as("height").isEqualTo(expected.getHeight());
        long sum = 0;
        int max = 0;
        for (int y = 0; y < expected.getHeight(); y++) {
            for (int x = 0; x < expected.getWidth(); x++) {
                int a = expected.getRGB(x, y);
                int b = actual.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    int d = Math.abs((a >> shift & 0xFF) - (b >> shift & 0xFF));
                    sum += d;
                    max = Math.max(max, d);
                }
            }
        }
        return new RasterDifference(
                (double) sum / (3L * expected.getWidth() * expected.getHeight()), max);
    }

    /**
     * The mean of each step x step block of {@code full} (clipped at the edges), as an averaging
     * decoder gives it.
     */
    public static BufferedImage blockMeans(BufferedImage full, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        double sx = (double) full.getWidth() / width;
        double sy = (double) full.getHeight() / height;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int x0 = (int) (x * sx);
                int x1 = Math.max(x0 + 1, (int) ((x + 1) * sx));
                int y0 = (int) (y * sy);
                int y1 = Math.max(y0 + 1, (int) ((y + 1) * sy));
                long r = 0;
                long g = 0;
                long b = 0;
                for (int yy = y0; yy < y1; yy++) {
                    for (int xx = x0; xx < x1; xx++) {
                        int p = full.getRGB(xx, yy);
                        r += p >> 16 & 0xFF;
                        g += p >> 8 & 0xFF;
                        b += p & 0xFF;
                    }
                }
                long n = (long) (x1 - x0) * (y1 - y0);
                out.setRGB(x, y, (int) (r / n) << 16 | (int) (g / n) << 8 | (int) (b / n));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT, "mean absolute difference %.3f, max %d", meanAbsolute, max);
    }
}
