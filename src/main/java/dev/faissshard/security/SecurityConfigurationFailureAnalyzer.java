package dev.faissshard.security;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a refused security setting into Boot's short startup report: what is wrong, what to do. */
class SecurityConfigurationFailureAnalyzer
        extends AbstractFailureAnalyzer<SecurityConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SecurityConfigurationException cause) {
        return new FailureAnalysis(cause.getMessage(), cause.action(), cause);
    }
}
