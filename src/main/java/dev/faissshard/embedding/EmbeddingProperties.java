package dev.faissshard.embedding;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How vectors are made.
 *
 * @param combinedColorWeight share of colour in {@code combined}: its inner product is {@code w *
 *     color + (1 - w) * structure} (unless {@code combined} has a model of its own)
 * @param intraOpThreads ONNX Runtime threads per inference; 0 for one per core
 * @param optimization ONNX Runtime graph optimisation level
 * @param executionProvider where ONNX Runtime runs the models; {@code cuda} needs the GPU build of
 *     ONNX Runtime ({@code com.microsoft.onnxruntime:onnxruntime_gpu}) on the classpath instead of
 *     the CPU one
 * @param cudaDevice GPU ordinal used with the {@code cuda} provider
 * @param color a user model for the {@code color} index instead of the built-in one
 * @param structure a user model for the {@code structure} index instead of the built-in one
 * @param combined a user model for the {@code combined} index instead of the weighted colour and
 *     structure
 */
@Validated
@ConfigurationProperties("fsb.embedding")
public record EmbeddingProperties(
        @DefaultValue("0.3") @DecimalMin("0.0") @DecimalMax("1.0") double combinedColorWeight,
        @DefaultValue("0") @Min(0) int intraOpThreads,
        @DefaultValue("all") @NotNull Optimization optimization,
        @DefaultValue("cpu") @NotNull ExecutionProvider executionProvider,
        @DefaultValue("0") @Min(0) int cudaDevice,
        @Valid UserModelProperties color,
        @Valid UserModelProperties structure,
        @Valid UserModelProperties combined) {

    /** ONNX Runtime's graph optimisation levels. */
    public enum Optimization {
        NONE,
        BASIC,
        EXTENDED,
        ALL
    }

    /** ONNX Runtime execution providers the service can switch on. */
    public enum ExecutionProvider {
        CPU,
        CUDA
    }

    public int effectiveIntraOpThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
    }

    /** The user model configured for a type, or null for the built-in one. */
    UserModelProperties userModel(IndexType type) {
        return switch (type) {
            case COLOR -> color;
            case STRUCTURE -> structure;
            case COMBINED -> combined;
        };
    }
}
