package dev.faissshard.embedding;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.faissshard.embedding.UserModelProperties.Layout;
import dev.faissshard.embedding.UserModelProperties.Pooling;
import java.util.Arrays;
import java.util.Map;

/**
 * The input and output a model is fed and read through, checked against the configuration from the
 * model's own metadata, so that a mismatch stops the service at startup naming the model and the
 * setting, instead of failing inside a job.
 *
 * @param inputName the input fed with images
 * @param outputName the output read
 * @param outputRank number of axes of that output
 * @param fixedBatchOfOne whether the model only takes one image per run
 */
record ModelSignature(
        String inputName, String outputName, int outputRank, boolean fixedBatchOfOne) {

    /**
     * Checks a session against what it will be fed; {@code settings} is the key prefix for
     * messages.
     */
    static ModelSignature check(
            OrtSession session,
            String model,
            String settings,
            Preprocessing preprocessing,
            String wantedInput,
            String wantedOutput,
            Pooling pooling)
            throws OrtException {
        Map.Entry<String, NodeInfo> input =
                pick(session.getInputInfo(), wantedInput, model, settings + ".input-name", "input");
        Map.Entry<String, NodeInfo> output =
                pick(
                        session.getOutputInfo(),
                        wantedOutput,
                        model,
                        settings + ".output-name",
                        "output");
        TensorInfo in = tensor(input, model, "input");
        TensorInfo out = tensor(output, model, "output");
        long[] shape = in.getShape();
        String described = "input '" + input.getKey() + "' is " + Arrays.toString(shape);
        if (shape.length != 4) {
            throw mismatch(
                    model,
                    settings + ".layout",
                    "an image input of 4 axes is needed, but " + described);
        }
        boolean nchw = preprocessing.layout() == Layout.NCHW;
        long channels = nchw ? shape[1] : shape[3];
        long height = nchw ? shape[2] : shape[1];
        long width = nchw ? shape[3] : shape[2];
        if (channels != 3 && channels != -1) {
            throw mismatch(
                    model,
                    settings + ".layout",
                    preprocessing.layout()
                            + " puts 3 colour channels on axis "
                            + (nchw ? 1 : 3)
                            + ", but "
                            + described);
        }
        if (!fits(height, preprocessing.size()) || !fits(width, preprocessing.size())) {
            throw mismatch(
                    model,
                    settings + ".input-size",
                    "is " + preprocessing.size() + ", but " + described);
        }
        int rank = out.getShape().length;
        String produced = "output '" + output.getKey() + "' is " + Arrays.toString(out.getShape());
        boolean poolable =
                switch (pooling) {
                    case NONE -> rank == 2;
                    case MEAN, MAX -> rank == 3 || rank == 4;
                    case CLS -> rank == 3;
                };
        if (!poolable) {
            throw mismatch(
                    model,
                    settings + ".pooling",
                    "is "
                            + pooling
                            + ", but "
                            + produced
                            + " ("
                            + (rank == 2
                                    ? "already one vector per image: use none"
                                    : "use mean or max, or cls for [N, tokens, D]")
                            + ")");
        }
        return new ModelSignature(input.getKey(), output.getKey(), rank, shape[0] == 1);
    }

    private static boolean fits(long dimension, int size) {
        return dimension == -1 || dimension == size;
    }

    private static Map.Entry<String, NodeInfo> pick(
            Map<String, NodeInfo> nodes, String wanted, String model, String key, String what) {
        if (wanted != null && !wanted.isBlank()) {
            for (Map.Entry<String, NodeInfo> node : nodes.entrySet()) {
                if (node.getKey().equals(wanted)) {
                    return node;
                }
            }
            throw mismatch(
                    model,
                    key,
                    "is '" + wanted + "', but the model's " + what + "s are " + nodes.keySet());
        }
        if (what.equals("input") && nodes.size() != 1) {
            throw mismatch(model, key, "is needed: the model has several inputs " + nodes.keySet());
        }
        return nodes.entrySet().iterator().next();
    }

    private static TensorInfo tensor(Map.Entry<String, NodeInfo> node, String model, String what) {
        if (!(node.getValue().getInfo() instanceof TensorInfo info)
                || info.type != OnnxJavaType.FLOAT) {
            throw new ModelConfigurationException(
                    "Model "
                            + model
                            + ": "
                            + what
                            + " '"
                            + node.getKey()
                            + "' must be a float32 tensor, is "
                            + node.getValue().getInfo());
        }
        return info;
    }

    private static ModelConfigurationException mismatch(String model, String key, String detail) {
        return new ModelConfigurationException("Model " + model + ": " + key + " " + detail);
    }
}
