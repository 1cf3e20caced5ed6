package dev.faissshard.testimages;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The edits a catalogue typically holds of one product photo: a crop, a resized copy, a mirrored
 * copy and a slightly re-coloured copy (another white balance). A search for any of them should
 * find the original.
 */
public final class NearDuplicates {

    private NearDuplicates() {}

    /**
     * The four edited copies of {@code original}, in the order crop, resize, flip, colour shift.
     */
    public static List<BufferedImage> of(BufferedImage original) {
        return List.of(
                crop(original, 0.82, 0.06, 0.1),
                resize(original, 0.55),
                flip(original),
                colourShift(original, 1.06, 0.97, 0.93));
    }

    static BufferedImage crop(BufferedImage image, double keep, double left, double top) {
        int width = (int) Math.round(image.getWidth() * keep);
        int height = (int) Math.round(image.getHeight() * keep);
        return copy(
                image.getSubimage(
                        (int) (image.getWidth() * left),
                        (int) (image.getHeight() * top),
                        width,
                        height),
                width,
                height);
    }

    static BufferedImage resize(BufferedImage image, double factor) {
        return copy(
                image,
                (int) Math.round(image.getWidth() * factor),
                (int) Math.round(image.getHeight() * factor));
    }

    static BufferedImage flip(BufferedImage image) {
        int width = image.getWidth();
        BufferedImage out = new BufferedImage(width, image.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < width; x++) {
                out.setRGB(width - 1 - x, y, image.getRGB(x, y));
            }
        }
        return out;
    }

    static BufferedImage colourShift(BufferedImage image, double red, double green, double blue) {
        BufferedImage out =
                new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                out.setRGB(
                        x,
                        y,
                        (scale(rgb >> 16, red) << 16)
                                | (scale(rgb >> 8, green) << 8)
                                | scale(rgb, blue));
            }
        }
        return out;
    }

    private static int scale(int channel, double factor) {
        return (int) Math.min(255, Math.round((channel & 0xFF) * factor));
    }

    private static BufferedImage copy(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(
                    RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(image, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
