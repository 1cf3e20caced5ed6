package dev.faissshard.embedding;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.util.EnumSet;

/**
 * ONNX Runtime session options from {@code fsb.embedding}: threads, graph optimisation, execution
 * provider.
 */
final class SessionOptionsFactory {

    private SessionOptionsFactory() {}

    static OrtSession.SessionOptions create(
            EmbeddingProperties properties, OrtEnvironment environment) {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setIntraOpNumThreads(properties.effectiveIntraOpThreads());
            // Decoding threads share the cores with inference: a pool that spins while waiting for
            // work
            // would burn their CPU between batches.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            // The arena keeps the largest batch's tensors reserved for the life of the session (it
            // grows, never shrinks); without it a batch's buffers go back to malloc, which for
            // tensors of this size returns them to the system, at no measurable cost per batch.
            options.setCPUArenaAllocator(false);
            options.setOptimizationLevel(
                    switch (properties.optimization()) {
                        case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                        case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                        case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                        case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
                    });
            if (properties.executionProvider() == EmbeddingProperties.ExecutionProvider.CUDA) {
                EnumSet<OrtProvider> available = OrtEnvironment.getAvailableProviders();
                if (!available.contains(OrtProvider.CUDA)) {
                    throw new ModelConfigurationException(
                            "fsb.embedding.execution-provider is cuda, but this ONNX Runtime "
                                    + "build offers only "
                                    + available
                                    + ": put com.microsoft.onnxruntime:onnxruntime_gpu on the "
                                    + "classpath instead of onnxruntime");
                }
                options.addCUDA(properties.cudaDevice());
            }
            return options;
        } catch (OrtException ex) {
            options.close();
            throw new ModelConfigurationException(
                    "ONNX Runtime session options rejected: " + ex.getMessage(), ex);
        } catch (RuntimeException ex) {
            options.close();
            throw ex;
        }
    }
}
