package dev.faissshard.embedding;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Prints a model that does not fit its settings as one readable startup failure, not a
 * bean-creation trace.
 */
class ModelConfigurationFailureAnalyzer
        extends AbstractFailureAnalyzer<ModelConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ModelConfigurationException cause) {
        return new FailureAnalysis(
                cause.getMessage(),
                "Fix the setting named above (README, \"Bring your own model\"), or remove the fsb.embedding.<type> "
                        + "block to use the built-in model.",
                cause);
    }
}
