package dev.faissshard.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.server.ConfigurableWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * Without API tokens nothing is authenticated, so the server listens on 127.0.0.1 unless told
 * otherwise; told to listen elsewhere ({@code server.address}, or a separate management port on all
 * interfaces), it refuses to start unless the operator opted in with {@code
 * fsb.security.allow-anonymous}.
 *
 * <p>Runs after Boot's own customizer, which applies {@code server.address}.
 */
class LoopbackBinding implements WebServerFactoryCustomizer<ConfigurableWebServerFactory>, Ordered {

    private static final Logger log = LoggerFactory.getLogger(LoopbackBinding.class);

    static final InetAddress LOOPBACK = loopback();

    private final ApiTokens tokens;
    private final boolean allowAnonymous;
    private final Environment environment;

    LoopbackBinding(ApiTokens tokens, ApiSecurityProperties properties, Environment environment) {
        this.tokens = tokens;
        this.allowAnonymous = properties.allowAnonymous();
        this.environment = environment;
    }

    @Override
    public void customize(ConfigurableWebServerFactory factory) {
        if (!tokens.isEmpty()) {
            log.info(
                    "API authentication on: {} write and {} read token(s) configured",
                    tokens.count(ApiRole.WRITE),
                    tokens.count(ApiRole.READ));
            return;
        }
        InetAddress address = address("server.address");
        if (address == null) {
            factory.setAddress(LOOPBACK);
            address = LOOPBACK;
        }
        refuseIfExposed("server.address", address);
        if (separateManagementServer()) {
            InetAddress management = address("management.server.address");
            refuseIfExposed("management.server.address", management);
        }
        if (address.isLoopbackAddress()) {
            log.warn(
                    "No API token configured (FSB_API_TOKENS): the control API and Actuator are UNAUTHENTICATED and "
                            + "listen on loopback only ({}); requests from browsers and for other host names are refused. "
                            + "Configure tokens before exposing the port.",
                    address.getHostAddress());
        }
    }

    /**
     * The way Boot decides that Actuator gets a server of its own (ManagementPortType.DIFFERENT).
     */
    private boolean separateManagementServer() {
        Integer managementPort = environment.getProperty("management.server.port", Integer.class);
        Integer serverPort = environment.getProperty("server.port", Integer.class);
        if (managementPort == null || managementPort < 0) {
            return false;
        }
        if (serverPort == null && managementPort == 8080) {
            return false;
        }
        return managementPort == 0 || !managementPort.equals(serverPort);
    }

    private void refuseIfExposed(String key, InetAddress address) {
        if (address != null && address.isLoopbackAddress()) {
            return;
        }
        String where = address == null ? "every interface" : address.getHostAddress();
        if (!allowAnonymous) {
            throw new AnonymousExposureException(
                    "No API token is configured (FSB_API_TOKENS), so the control API and "
                            + "Actuator would accept every caller unauthenticated, yet "
                            + key
                            + " makes the service listen on "
                            + where
                            + ", which is not loopback.");
        }
        log.warn(
                "No API token configured and fsb.security.allow-anonymous=true: the control API and Actuator are "
                        + "UNAUTHENTICATED on {} ({}); anyone who can reach the port may start, pause and cancel jobs.",
                where,
                key);
    }

    private InetAddress address(String key) {
        String value = environment.getProperty(key);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return InetAddress.getByName(value.trim());
        } catch (UnknownHostException ex) {
            throw new AnonymousExposureException(
                    key
                            + " does not resolve to an address, so whether it is loopback "
                            + "cannot be told, and no API token is configured (FSB_API_TOKENS).");
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException ex) {
            throw new IllegalStateException("a literal four-byte address is always valid", ex);
        }
    }
}
