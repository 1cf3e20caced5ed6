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
            // work would burn their CPU between batches.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            // The arena stays on: it keeps a slice's intermediate tensors reserved for the life of
            // the session and reuses them. Without it every run asks malloc for blocks so large
            // that they come as fresh mmap'ed pages, whose page faults and zeroing doubled the CPU
            // of a whole build (3,000 mixed images: 25.9 s against 50.8 s, 13 s of it in the
            // kernel) to save about 27 MB of peak RSS for the three models.
            options.setCPUArenaAllocator(true);
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
