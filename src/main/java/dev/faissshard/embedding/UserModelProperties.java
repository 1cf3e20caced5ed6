package dev.faissshard.embedding;

import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * A user's own ONNX image encoder for one index type (a CLIP, DINOv2 or ResNet export, say) with
 * the preprocessing it was trained with. Checked against the model's own input and output metadata
 * at startup.
 *
 * @param path the {@code .onnx} file
 * @param id id recorded in the manifest with the file's sha256; default: the file name without
 *     {@code .onnx}
 * @param inputSize side of the square picture the model takes
 * @param resize how a picture becomes that square
 * @param pixelRange what a channel value is before mean and std are applied
 * @param mean per-channel mean subtracted, in RGB order (whatever {@code channelOrder} is)
 * @param std per-channel standard deviation divided by, in RGB order
 * @param channelOrder channel order the model expects
 * @param layout tensor layout of the input (and of a feature-map output that needs pooling)
 * @param inputName the input to feed; default: the model's only input
 * @param outputName the output to read; default: the model's first output
 * @param pooling how an output that is not yet one vector per image ([N, T, D] tokens or a feature
 *     map) becomes one
 * @param normalize whether vectors are L2-normalised (so inner product is cosine similarity)
 */
public record UserModelProperties(
        Path path,
        String id,
        @DefaultValue("224") int inputSize,
        @DefaultValue("shorter-side-crop") ResizeMode resize,
        @DefaultValue("unit") PixelRange pixelRange,
        @DefaultValue({"0", "0", "0"}) List<Float> mean,
        @DefaultValue({"1", "1", "1"}) List<Float> std,
        @DefaultValue("rgb") ChannelOrder channelOrder,
        @DefaultValue("nchw") Layout layout,
        String inputName,
        String outputName,
        @DefaultValue("none") Pooling pooling,
        @DefaultValue("true") boolean normalize) {

    /** How a picture becomes a square. */
    public enum ResizeMode {
        /**
         * Scale the shorter side to the input size, then cut the centre square (CLIP, ResNet,
         * DINOv2).
         */
        SHORTER_SIDE_CROP,
        /** Scale both sides to the input size, changing the aspect ratio. */
        STRETCH,
        /**
         * Scale the longer side to the input size, keeping the aspect ratio, and fill the margin
         * with the per-channel median of the picture's edge pixels, its backdrop in a product photo
         * (nothing is cut off, and shapes keep their proportions).
         */
        PAD
    }

    /** Scale of channel values before normalisation. */
    public enum PixelRange {
        /** 0 to 1 (PyTorch's ToTensor). */
        UNIT,
        /** 0 to 255 (Caffe-style models). */
        BYTE
    }

    /** Order of the colour channels in the tensor. */
    public enum ChannelOrder {
        RGB,
        BGR
    }

    /** Where the channel axis is. */
    public enum Layout {
        /** [N, C, H, W], PyTorch's. */
        NCHW,
        /** [N, H, W, C], TensorFlow's. */
        NHWC
    }

    /** How an output of more than two axes becomes one vector per image. */
    public enum Pooling {
        /** The output is already [N, D]. */
        NONE,
        /** Average over tokens ([N, T, D]) or over the spatial axes of a feature map. */
        MEAN,
        /** Maximum over tokens or spatial positions. */
        MAX,
        /** The first token of [N, T, D] (a ViT's class token). */
        CLS
    }

    public UserModelProperties {
        if (path == null) {
            throw new IllegalArgumentException("path: the .onnx file of the model is required");
        }
        if (inputSize < 8 || inputSize > 4096) {
            throw new IllegalArgumentException(
                    "input-size: must be between 8 and 4096, was " + inputSize);
        }
        if (mean == null || mean.size() != 3) {
            throw new IllegalArgumentException(
                    "mean: three values (R, G, B) expected, was " + mean);
        }
        if (std == null || std.size() != 3 || std.stream().anyMatch(s -> s == null || !(s > 0))) {
            throw new IllegalArgumentException(
                    "std: three positive values (R, G, B) expected, was " + std);
        }
        if (id == null || id.isBlank()) {
            String file = path.getFileName().toString();
            id =
                    file.endsWith(".onnx")
                            ? file.substring(0, file.length() - ".onnx".length())
                            : file;
        }
        mean = List.copyOf(mean);
        std = List.copyOf(std);
    }

    Preprocessing preprocessing() {
        return new Preprocessing(
                inputSize, resize, pixelRange, toArray(mean), toArray(std), channelOrder, layout);
    }

    private static float[] toArray(List<Float> values) {
        return new float[] {values.get(0), values.get(1), values.get(2)};
    }
}
