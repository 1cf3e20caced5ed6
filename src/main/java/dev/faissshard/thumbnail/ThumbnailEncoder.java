package dev.faissshard.thumbnail;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Shrinks a decoded image to fit a square box and encodes it as JPEG. The decoder has already put
 * transparency on white (the background of product photos, and what the models saw), so JPEG suits
 * every source: it is the smallest format for photos, and a thumbnail keeps no alpha to lose.
 * Thread-safe (a writer per call).
 */
final class ThumbnailEncoder {

    private final int size;
    private final float quality;

    ThumbnailEncoder(int size, double quality) {
        this.size = size;
        this.quality = (float) quality;
    }

    byte[] encode(BufferedImage decoded) {
        return jpeg(shrink(decoded));
    }

    /**
     * Halves while the image is more than twice the target, then one bilinear step: a single
     * bilinear step from far larger would skip most source pixels and alias.
     */
    BufferedImage shrink(BufferedImage image) {
        double scale = Math.min(1.0, (double) size / Math.max(image.getWidth(), image.getHeight()));
        int width = Math.max(1, (int) Math.round(image.getWidth() * scale));
        int height = Math.max(1, (int) Math.round(image.getHeight() * scale));
        BufferedImage current = rgb(image);
        while (current.getWidth() / 2 >= width && current.getHeight() / 2 >= height) {
            current = resized(current, current.getWidth() / 2, current.getHeight() / 2);
        }
        if (current.getWidth() != width || current.getHeight() != height) {
            current = resized(current, width, height);
        }
        return current;
    }

    private static BufferedImage rgb(BufferedImage image) {
        return image.getType() == BufferedImage.TYPE_INT_RGB
                ? image
                : resized(image, image.getWidth(), image.getHeight());
    }

    private static BufferedImage resized(BufferedImage source, int width, int height) {
        BufferedImage target = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = target.createGraphics();
        try {
            g.setRenderingHint(
                    RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(source, 0, 0, width, height, null);
        } finally {
            g.dispose();
        }
        return target;
    }

    private byte[] jpeg(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException ex) {
            // Writing to memory fails only on a bug: nothing of the image's content is in it.
            throw new UncheckedIOException("encoding a thumbnail failed", ex);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }
}
