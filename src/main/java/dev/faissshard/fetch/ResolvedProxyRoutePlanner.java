package dev.faissshard.fetch;

import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.UnknownHostException;
import org.apache.hc.client5.http.impl.routing.SystemDefaultRoutePlanner;
import org.apache.hc.core5.http.HttpException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * The JVM's proxy settings, with the proxy's address resolved here: the operator's proxy often
 * lives on a private address, and is the operator's choice, so it is not judged by the egress
 * policy (the connection operator skips the policy resolver for a host that carries its address).
 * The targets reached through it are checked before each hop instead.
 */
final class ResolvedProxyRoutePlanner extends SystemDefaultRoutePlanner {

    ResolvedProxyRoutePlanner(ProxySelector proxies) {
        super(proxies);
    }

    @Override
    protected HttpHost determineProxy(HttpHost target, HttpContext context) throws HttpException {
        HttpHost proxy = super.determineProxy(target, context);
        if (proxy == null || proxy.getAddress() != null) {
            return proxy;
        }
        try {
            return new HttpHost(
                    proxy.getSchemeName(),
                    InetAddress.getByName(proxy.getHostName()),
                    proxy.getHostName(),
                    proxy.getPort());
        } catch (UnknownHostException ex) {
            throw new HttpException("cannot resolve the proxy " + proxy.getHostName(), ex);
        }
    }
}
