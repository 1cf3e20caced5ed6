package dev.faissshard.embedding;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;

/**
 * Packs images into an NCHW float tensor (RGB in [0, 1]) of a square size, resizing by area averaging
 * (every source pixel contributes in proportion to its overlap, which avoids the aliasing of point
 * sampling when shrinking). The buffer is direct and in native order, so ONNX Runtime reads it in place.
 */
final class ImageTensor {

    private ImageTensor() {
    }

    static FloatBuffer pack(List<BufferedImage> images, int size) {
        int plane = size * size;
        FloatBuffer tensor = ByteBuffer.allocateDirect(images.size() * 3 * plane * Float.BYTES)
            .order(ByteOrder.nativeOrder()).asFloatBuffer();
        float[] chw = new float[3 * plane];
        for (BufferedImage image : images) {
            resize(image, size, chw);
            tensor.put(chw);
        }
        tensor.rewind();
        return tensor;
    }

    /** Writes the image, area-resampled to size x size, into {@code out} as three planes R, G, B. */
    static void resize(BufferedImage image, int size, float[] out) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] pixels = image.getRGB(0, 0, width, height, null, 0, width);
        float[] rowsR = new float[size * width];
        float[] rowsG = new float[size * width];
        float[] rowsB = new float[size * width];
        // Vertical pass: each output row averages the source rows it covers.
        double scaleY = (double) height / size;
        for (int oy = 0; oy < size; oy++) {
            double y0 = oy * scaleY;
            double y1 = y0 + scaleY;
            for (int sy = (int) y0; sy < Math.min(height, (int) Math.ceil(y1)); sy++) {
                float weight = (float) ((Math.min(y1, sy + 1) - Math.max(y0, sy)) / scaleY);
                int src = sy * width;
                int dst = oy * width;
                for (int x = 0; x < width; x++) {
                    int rgb = pixels[src + x];
                    rowsR[dst + x] += weight * ((rgb >> 16) & 0xFF);
                    rowsG[dst + x] += weight * ((rgb >> 8) & 0xFF);
                    rowsB[dst + x] += weight * (rgb & 0xFF);
                }
            }
        }
        // Horizontal pass, scaling to [0, 1].
        double scaleX = (double) width / size;
        int plane = size * size;
        for (int ox = 0; ox < size; ox++) {
            double x0 = ox * scaleX;
            double x1 = x0 + scaleX;
            int first = (int) x0;
            int last = Math.min(width, (int) Math.ceil(x1));
            for (int oy = 0; oy < size; oy++) {
                float r = 0;
                float g = 0;
                float b = 0;
                int row = oy * width;
                for (int sx = first; sx < last; sx++) {
                    float weight = (float) ((Math.min(x1, sx + 1) - Math.max(x0, sx)) / scaleX);
                    r += weight * rowsR[row + sx];
                    g += weight * rowsG[row + sx];
                    b += weight * rowsB[row + sx];
                }
                int o = oy * size + ox;
                out[o] = r / 255f;
                out[plane + o] = g / 255f;
                out[2 * plane + o] = b / 255f;
            }
        }
    }
}
