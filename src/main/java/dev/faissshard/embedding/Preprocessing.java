package dev.faissshard.embedding;

import dev.faissshard.embedding.UserModelProperties.ChannelOrder;
import dev.faissshard.embedding.UserModelProperties.Layout;
import dev.faissshard.embedding.UserModelProperties.PixelRange;
import dev.faissshard.embedding.UserModelProperties.ResizeMode;
import java.util.Arrays;

/**
 * How pictures become a model's input tensor. Models with equal preprocessing share one tensor per
 * batch, which is why this is a value with equality.
 */
record Preprocessing(
        int size,
        ResizeMode resize,
        PixelRange range,
        float[] mean,
        float[] std,
        ChannelOrder order,
        Layout layout) {

    /** What the built-in models take: a square of {@code size}, stretched, RGB in [0, 1], NCHW. */
    static Preprocessing builtin(int size) {
        return builtin(size, ResizeMode.STRETCH);
    }

    /**
     * What a built-in model takes: a square of {@code size} made as {@code resize} says, RGB in [0,
     * 1], NCHW.
     */
    static Preprocessing builtin(int size, ResizeMode resize) {
        return new Preprocessing(
                size,
                resize,
                PixelRange.UNIT,
                new float[] {0, 0, 0},
                new float[] {1, 1, 1},
                ChannelOrder.RGB,
                Layout.NCHW);
    }

    long[] shape(int count) {
        return layout == Layout.NCHW
                ? new long[] {count, 3, size, size}
                : new long[] {count, size, size, 3};
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Preprocessing that
                && size == that.size
                && resize == that.resize
                && range == that.range
                && Arrays.equals(mean, that.mean)
                && Arrays.equals(std, that.std)
                && order == that.order
                && layout == that.layout;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * size + resize.hashCode())
                + Arrays.hashCode(mean)
                + 7 * Arrays.hashCode(std)
                + 11 * range.hashCode()
                + 13 * order.hashCode()
                + 17 * layout.hashCode();
    }

    @Override
    public String toString() {
        return size
                + "x"
                + size
                + " "
                + resize
                + " "
                + range
                + " mean="
                + Arrays.toString(mean)
                + " std="
                + Arrays.toString(std)
                + " "
                + order
                + " "
                + layout;
    }
}
