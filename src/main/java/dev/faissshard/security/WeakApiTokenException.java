package dev.faissshard.security;

/** A configured API token entry that is malformed, too weak to guess-proof, or repeated. */
public class WeakApiTokenException extends SecurityConfigurationException {

    WeakApiTokenException(String message) {
        super(
                message,
                "Set FSB_API_TOKENS (fsb.security.api-tokens) to comma-separated ROLE:TOKEN entries, ROLE read "
                        + "or write, each token random and at least "
                        + ApiTokens.MIN_LENGTH
                        + " characters long; generate one with: openssl rand -hex 32");
    }
}
