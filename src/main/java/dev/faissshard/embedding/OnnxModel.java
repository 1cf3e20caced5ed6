package dev.faissshard.embedding;

import java.nio.FloatBuffer;
import java.util.Map;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

/**
 * One ONNX Runtime session whose model maps an NCHW image tensor to one vector per image. Checks at
 * load time that the graph has the expected input and output shapes, so a wrong model fails at
 * startup, naming itself, rather than inside a job. Thread-safe: ONNX Runtime sessions accept
 * concurrent {@code run} calls.
 */
final class OnnxModel implements AutoCloseable {

    private final String name;
    private final OrtSession session;
    private final String inputName;
    private final String outputName;
    private final int inputSize;
    private final int dimension;

    OnnxModel(String name, OrtEnvironment environment, byte[] model, OrtSession.SessionOptions options) {
        this.name = name;
        try {
            this.session = environment.createSession(model, options);
            Map.Entry<String, NodeInfo> input = single(session.getInputInfo(), "input");
            Map.Entry<String, NodeInfo> output = single(session.getOutputInfo(), "output");
            long[] inputShape = ((TensorInfo) input.getValue().getInfo()).getShape();
            long[] outputShape = ((TensorInfo) output.getValue().getInfo()).getShape();
            if (inputShape.length != 4 || inputShape[1] != 3 || inputShape[2] <= 0 || inputShape[2] != inputShape[3]) {
                throw new IllegalStateException("Model " + name + ": input '" + input.getKey()
                        + "' must be [N, 3, S, S], is " + java.util.Arrays.toString(inputShape));
            }
            if (outputShape.length != 2 || outputShape[1] <= 0) {
                throw new IllegalStateException("Model " + name + ": output '" + output.getKey()
                        + "' must be [N, D], is " + java.util.Arrays.toString(outputShape));
            }
            this.inputName = input.getKey();
            this.outputName = output.getKey();
            this.inputSize = (int) inputShape[2];
            this.dimension = (int) outputShape[1];
        }
        catch (OrtException ex) {
            throw new IllegalStateException("Model " + name + " cannot be loaded by ONNX Runtime: " + ex.getMessage(), ex);
        }
    }

    int inputSize() {
        return inputSize;
    }

    int dimension() {
        return dimension;
    }

    /** Runs the model on {@code count} images packed in {@code tensor}; returns count x dimension floats. */
    float[] run(OrtEnvironment environment, FloatBuffer tensor, int count) {
        long[] shape = { count, 3, inputSize, inputSize };
        try (OnnxTensor input = OnnxTensor.createTensor(environment, tensor.duplicate(), shape);
                OrtSession.Result result = session.run(Map.of(inputName, input))) {
            OnnxTensor output = (OnnxTensor) result.get(outputName).orElseThrow();
            FloatBuffer values = output.getFloatBuffer();
            float[] vectors = new float[count * dimension];
            values.get(vectors);
            return vectors;
        }
        catch (OrtException ex) {
            throw new IllegalStateException("Model " + name + " failed on a batch of " + count + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        }
        catch (OrtException ex) {
            throw new IllegalStateException("Closing model " + name + ": " + ex.getMessage(), ex);
        }
    }

    private Map.Entry<String, NodeInfo> single(Map<String, NodeInfo> nodes, String what) {
        if (nodes.size() != 1) {
            throw new IllegalStateException("Model " + name + " must have exactly one " + what + ", has " + nodes.keySet());
        }
        return nodes.entrySet().iterator().next();
    }
}
