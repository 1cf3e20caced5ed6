package dev.faissshard.embedding;

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
 * @param combinedColorWeight share of colour in {@code combined}: its inner product is
 * {@code w * color + (1 - w) * structure}
 * @param intraOpThreads ONNX Runtime threads per inference; 0 for one per core
 * @param optimization ONNX Runtime graph optimisation level
 */
@Validated
@ConfigurationProperties("fsb.embedding")
public record EmbeddingProperties(
        @DefaultValue("0.3") @DecimalMin("0.0") @DecimalMax("1.0") double combinedColorWeight,
        @DefaultValue("0") @Min(0) int intraOpThreads, @DefaultValue("all") @NotNull Optimization optimization) {

    /** ONNX Runtime's graph optimisation levels. */
    public enum Optimization {
        NONE, BASIC, EXTENDED, ALL
    }

    public int effectiveIntraOpThreads() {
        return intraOpThreads > 0 ? intraOpThreads : Runtime.getRuntime().availableProcessors();
    }
}
