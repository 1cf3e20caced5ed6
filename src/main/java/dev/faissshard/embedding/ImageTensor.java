package dev.faissshard.embedding;

import dev.faissshard.embedding.UserModelProperties.ChannelOrder;
import dev.faissshard.embedding.UserModelProperties.Layout;
import dev.faissshard.embedding.UserModelProperties.PixelRange;
import dev.faissshard.embedding.UserModelProperties.ResizeMode;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.awt.image.SinglePixelPackedSampleModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Packs images into a model's float input tensor as its {@link Preprocessing} says, resizing by
 * area averaging (every source pixel contributes in proportion to its overlap, which avoids the
 * aliasing of point sampling when shrinking). The buffer is direct and in native order, so ONNX
 * Runtime reads it in place.
 */
final class ImageTensor {

    /**
     * The vertical pass's rows, the largest temporaries of a resize (a 256 x 48 picture's worth per
     * channel), kept per thread: a build resizes hundreds of pictures per second per thread.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private ImageTensor() {}

    /** Floats one image takes in the model's input. */
    static int values(Preprocessing preprocessing) {
        return 3 * preprocessing.size() * preprocessing.size();
    }

    static FloatBuffer pack(List<BufferedImage> images, Preprocessing preprocessing) {
        FloatBuffer tensor =
                ByteBuffer.allocateDirect(images.size() * values(preprocessing) * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        return pack(images, preprocessing, tensor);
    }

    /** One image in the model's layout and scale: {@link #values} floats. */
    static float[] tensorOf(BufferedImage image, Preprocessing preprocessing) {
        float[] out = new float[values(preprocessing)];
        resize(image, preprocessing, out);
        return out;
    }

    /**
     * Fills {@code tensor}, which must hold exactly the inputs, with their tensors for {@code
     * preprocessing}, and returns it rewound.
     */
    static FloatBuffer packInputs(
            List<EmbeddingInput> inputs, Preprocessing preprocessing, FloatBuffer tensor) {
        int values = values(preprocessing);
        if (tensor.capacity() != inputs.size() * values) {
            throw new IllegalArgumentException(
                    "a tensor of "
                            + tensor.capacity()
                            + " floats for "
                            + inputs.size()
                            + " images of "
                            + values);
        }
        tensor.clear();
        for (EmbeddingInput input : inputs) {
            tensor.put(input.tensor(preprocessing));
        }
        tensor.rewind();
        return tensor;
    }

    /** Fills {@code tensor}, which must hold exactly the images, and returns it rewound. */
    static FloatBuffer pack(
            List<BufferedImage> images, Preprocessing preprocessing, FloatBuffer tensor) {
        int values = values(preprocessing);
        if (tensor.capacity() != images.size() * values) {
            throw new IllegalArgumentException(
                    "a tensor of "
                            + tensor.capacity()
                            + " floats for "
                            + images.size()
                            + " images of "
                            + values);
        }
        tensor.clear();
        float[] one = new float[values];
        for (BufferedImage image : images) {
            resize(image, preprocessing, one);
            tensor.put(one);
        }
        tensor.rewind();
        return tensor;
    }

    /**
     * Writes one image, cropped and area-resampled, into {@code out} in the model's layout and
     * scale.
     */
    static void resize(BufferedImage image, Preprocessing preprocessing, float[] out) {
        int width = image.getWidth();
        int height = image.getHeight();
        int x0 = 0;
        int y0 = 0;
        if (preprocessing.resize() == ResizeMode.SHORTER_SIDE_CROP) {
            int side = Math.min(width, height);
            x0 = (width - side) / 2;
            y0 = (height - side) / 2;
            width = side;
            height = side;
        }
        int size = preprocessing.size();
        int stride = width;
        int origin = 0;
        int[] pixels;
        if (isPackedRgb(image)) {
            // The decoders' own rasters: read the pixels in place instead of converting a copy.
            SinglePixelPackedSampleModel model =
                    (SinglePixelPackedSampleModel) image.getSampleModel();
            DataBufferInt buffer = (DataBufferInt) image.getRaster().getDataBuffer();
            pixels = buffer.getData();
            stride = model.getScanlineStride();
            origin =
                    buffer.getOffset()
                            + (y0 - image.getRaster().getSampleModelTranslateY()) * stride
                            + (x0 - image.getRaster().getSampleModelTranslateX());
        } else {
            pixels = image.getRGB(x0, y0, width, height, null, 0, width);
        }
        // PAD keeps the aspect ratio: the longer side fills the input, the content sits centred,
        // and the
        // margin takes the median colour of the picture's own edge pixels, which is its background
        // in a
        // product photo (repeating the edge instead would smear an object that touches it into the
        // margin).
        // Otherwise the content fills the whole input.
        int outW = size;
        int outH = size;
        if (preprocessing.resize() == ResizeMode.PAD) {
            int longer = Math.max(width, height);
            outW = Math.max(1, (int) Math.round((double) size * width / longer));
            outH = Math.max(1, (int) Math.round((double) size * height / longer));
        }
        Scratch scratch = SCRATCH.get().fit(outH * width);
        float[] rowsR = scratch.rowsR;
        float[] rowsG = scratch.rowsG;
        float[] rowsB = scratch.rowsB;
        // Vertical pass: each output row averages the source rows it covers.
        double scaleY = (double) height / outH;
        for (int oy = 0; oy < outH; oy++) {
            double top = oy * scaleY;
            double bottom = top + scaleY;
            for (int sy = (int) top; sy < Math.min(height, (int) Math.ceil(bottom)); sy++) {
                float weight = (float) ((Math.min(bottom, sy + 1) - Math.max(top, sy)) / scaleY);
                int src = origin + sy * stride;
                int dst = oy * width;
                for (int x = 0; x < width; x++) {
                    int rgb = pixels[src + x];
                    rowsR[dst + x] += weight * ((rgb >> 16) & 0xFF);
                    rowsG[dst + x] += weight * ((rgb >> 8) & 0xFF);
                    rowsB[dst + x] += weight * (rgb & 0xFF);
                }
            }
        }
        float[] r = new float[outW * outH];
        float[] g = new float[outW * outH];
        float[] b = new float[outW * outH];
        // Horizontal pass. Each output column's source span and weights are the same on every row:
        // worked out once, they leave the inner loop with multiply-adds only (the sums, term by
        // term,
        // are those of the per-row computation, so the tensor is bit for bit the same).
        double scaleX = (double) width / outW;
        int[] spanFirst = new int[outW];
        int[] spanStart = new int[outW + 1];
        float[] weights = new float[outW * ((int) Math.ceil(scaleX) + 2)];
        int terms = 0;
        for (int ox = 0; ox < outW; ox++) {
            double left = ox * scaleX;
            double right = left + scaleX;
            int first = (int) left;
            int last = Math.min(width, (int) Math.ceil(right));
            spanFirst[ox] = first;
            spanStart[ox] = terms;
            for (int sx = first; sx < last; sx++) {
                weights[terms++] =
                        (float) ((Math.min(right, sx + 1) - Math.max(left, sx)) / scaleX);
            }
        }
        spanStart[outW] = terms;
        for (int oy = 0; oy < outH; oy++) {
            int row = oy * width;
            for (int ox = 0; ox < outW; ox++) {
                int at = oy * outW + ox;
                int src = row + spanFirst[ox];
                float sumR = 0;
                float sumG = 0;
                float sumB = 0;
                for (int t = spanStart[ox]; t < spanStart[ox + 1]; t++, src++) {
                    float weight = weights[t];
                    sumR += weight * rowsR[src];
                    sumG += weight * rowsG[src];
                    sumB += weight * rowsB[src];
                }
                r[at] = sumR;
                g[at] = sumG;
                b[at] = sumB;
            }
        }
        Writer writer = new Writer(preprocessing);
        if (outW == size && outH == size) {
            for (int i = 0; i < size * size; i++) {
                writer.write(out, i, r[i], g[i], b[i]);
            }
            return;
        }
        float[] margin = edgeMedian(r, g, b, outW, outH);
        int padX = (size - outW) / 2;
        int padY = (size - outH) / 2;
        for (int oy = 0; oy < size; oy++) {
            for (int ox = 0; ox < size; ox++) {
                int cx = ox - padX;
                int cy = oy - padY;
                if (cx >= 0 && cx < outW && cy >= 0 && cy < outH) {
                    int at = cy * outW + cx;
                    writer.write(out, oy * size + ox, r[at], g[at], b[at]);
                } else {
                    writer.write(out, oy * size + ox, margin[0], margin[1], margin[2]);
                }
            }
        }
    }

    /**
     * The colour of the picture's edge, per channel the median of the pixels on its four edges: an
     * object that touches the edge over less than half of it does not tint the margin, as it would
     * the mean.
     */
    private static float[] edgeMedian(float[] r, float[] g, float[] b, int w, int h) {
        int count = h == 1 || w == 1 ? w * h : 2 * w + 2 * h - 4;
        float[][] edge = new float[3][count];
        int n = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (y == 0 || y == h - 1 || x == 0 || x == w - 1) {
                    int at = y * w + x;
                    edge[0][n] = r[at];
                    edge[1][n] = g[at];
                    edge[2][n] = b[at];
                    n++;
                }
            }
        }
        float[] median = new float[3];
        for (int c = 0; c < 3; c++) {
            Arrays.sort(edge[c]);
            median[c] =
                    count % 2 == 1
                            ? edge[c][count / 2]
                            : (edge[c][count / 2 - 1] + edge[c][count / 2]) / 2;
        }
        return median;
    }

    /**
     * 8-bit RGB packed in ints with the usual masks, alpha (if any) already composited away by the
     * decoder.
     */
    private static boolean isPackedRgb(BufferedImage image) {
        int type = image.getType();
        return (type == BufferedImage.TYPE_INT_RGB
                        || type == BufferedImage.TYPE_INT_ARGB && !image.isAlphaPremultiplied())
                && image.getRaster().getDataBuffer() instanceof DataBufferInt
                && image.getRaster().getDataBuffer().getNumBanks() == 1
                && image.getSampleModel() instanceof SinglePixelPackedSampleModel;
    }

    /** Puts one pixel's channels, given in 0..255, where the layout wants them, normalised. */
    private static final class Writer {

        private final float[] scale = new float[3];
        private final float[] offset = new float[3];
        private final int[] channelOf = new int[3];
        private final boolean planar;
        private final int plane;

        Writer(Preprocessing p) {
            float unit = p.range() == PixelRange.UNIT ? 1 / 255f : 1f;
            for (int c = 0; c < 3; c++) {
                scale[c] = unit / p.std()[c];
                offset[c] = -p.mean()[c] / p.std()[c];
            }
            boolean bgr = p.order() == ChannelOrder.BGR;
            channelOf[0] = bgr ? 2 : 0;
            channelOf[1] = 1;
            channelOf[2] = bgr ? 0 : 2;
            planar = p.layout() == Layout.NCHW;
            plane = p.size() * p.size();
        }

        void write(float[] out, int pixel, float r, float g, float b) {
            put(out, pixel, channelOf[0], r * scale[0] + offset[0]);
            put(out, pixel, channelOf[1], g * scale[1] + offset[1]);
            put(out, pixel, channelOf[2], b * scale[2] + offset[2]);
        }

        private void put(float[] out, int pixel, int channel, float value) {
            out[planar ? channel * plane + pixel : pixel * 3 + channel] = value;
        }
    }

    /** Per-thread row buffers, zeroed to the length in use before each resize. */
    private static final class Scratch {

        /** Past this (a raster much larger than the decoders produce) rows are not kept. */
        private static final int KEEP_LIMIT = 1 << 20;

        private float[] rowsR = new float[0];
        private float[] rowsG = new float[0];
        private float[] rowsB = new float[0];

        Scratch fit(int length) {
            if (length > KEEP_LIMIT) {
                Scratch once = new Scratch();
                once.rowsR = new float[length];
                once.rowsG = new float[length];
                once.rowsB = new float[length];
                return once;
            }
            if (rowsR.length < length) {
                rowsR = new float[length];
                rowsG = new float[length];
                rowsB = new float[length];
            } else {
                Arrays.fill(rowsR, 0, length, 0f);
                Arrays.fill(rowsG, 0, length, 0f);
                Arrays.fill(rowsB, 0, length, 0f);
            }
            return this;
        }
    }
}
