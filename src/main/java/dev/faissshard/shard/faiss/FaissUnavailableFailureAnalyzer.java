package dev.faissshard.shard.faiss;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a FAISS library that cannot load into Spring Boot's short "APPLICATION FAILED TO START"
 * report (what is wrong, what to do) instead of pages of bean-creation stack traces whose real
 * cause, a missing shared library, sits at the very bottom.
 */
class FaissUnavailableFailureAnalyzer extends AbstractFailureAnalyzer<FaissUnavailableException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, FaissUnavailableException cause) {
        return new FailureAnalysis(
                cause.getMessage(),
                "Run on linux-x86_64 with those libraries installed, or run the container image, which carries them.",
                cause);
    }
}
