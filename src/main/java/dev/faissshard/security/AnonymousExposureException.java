package dev.faissshard.security;

/** No API token is configured, yet the service was told to listen on a non-loopback address. */
public class AnonymousExposureException extends SecurityConfigurationException {

    AnonymousExposureException(String message) {
        super(
                message,
                "Configure API tokens (FSB_API_TOKENS=write:$(openssl rand -hex 32)), or remove server.address "
                        + "to listen on 127.0.0.1 only, or, if something in front of the service already authenticates "
                        + "every caller, set fsb.security.allow-anonymous=true (FSB_SECURITY_ALLOW_ANONYMOUS=true).");
    }
}
