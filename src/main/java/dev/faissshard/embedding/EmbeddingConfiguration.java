package dev.faissshard.embedding;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Loads the built-in models from the jar into ONNX Runtime once, at startup. */
@Configuration(proxyBeanMethods = false)
class EmbeddingConfiguration {

    static final String COLOR_MODEL = "/models/color.onnx";
    static final String STRUCTURE_MODEL = "/models/structure.onnx";

    @Bean(destroyMethod = "close")
    OnnxEmbeddingService embeddingService(EmbeddingProperties properties) {
        return load(properties);
    }

    static OnnxEmbeddingService load(EmbeddingProperties properties) {
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(properties.effectiveIntraOpThreads());
            options.setOptimizationLevel(switch (properties.optimization()) {
                case NONE -> OrtSession.SessionOptions.OptLevel.NO_OPT;
                case BASIC -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
                case EXTENDED -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
                case ALL -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            });
            byte[] colorBytes = resource(COLOR_MODEL);
            byte[] structureBytes = resource(STRUCTURE_MODEL);
            OnnxModel color = new OnnxModel("builtin-color-v1", environment, colorBytes, options);
            OnnxModel structure = new OnnxModel("builtin-structure-v2", environment, structureBytes, options);
            return new OnnxEmbeddingService(environment, color,
                    new ModelInfo("builtin-color-v1", sha256(colorBytes), color.dimension()), structure,
                    new ModelInfo("builtin-structure-v2", sha256(structureBytes), structure.dimension()),
                    properties.combinedColorWeight());
        }
        catch (OrtException ex) {
            throw new IllegalStateException("ONNX Runtime session options rejected: " + ex.getMessage(), ex);
        }
    }

    private static byte[] resource(String path) {
        try (InputStream in = EmbeddingConfiguration.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("Built-in model " + path + " is missing from the jar");
            }
            return in.readAllBytes();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
