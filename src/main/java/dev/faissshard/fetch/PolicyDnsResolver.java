package dev.faissshard.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.hc.client5.http.DnsResolver;

/**
 * HttpClient's resolver hook: every connection the image client opens goes to an address this
 * returned, so the policy is judged on the address actually connected to, at connect time, on every
 * redirect hop and every new pooled connection; a name whose answer changes between two look-ups
 * (DNS rebinding) is judged on the answer used. Numeric hosts in any {@link IpLiteral} form are
 * read here, never handed to the system resolver, whose reading of {@code 0x7f.1} might differ.
 */
final class PolicyDnsResolver implements DnsResolver {

    private final EgressPolicy policy;
    private final DnsResolver delegate;

    PolicyDnsResolver(EgressPolicy policy, DnsResolver delegate) {
        this.policy = policy;
        this.delegate = delegate;
    }

    @Override
    public InetAddress[] resolve(String host) throws UnknownHostException {
        Optional<InetAddress> literal = IpLiteral.parse(host);
        InetAddress[] candidates =
                literal.isPresent() ? new InetAddress[] {literal.get()} : delegate.resolve(host);
        List<InetAddress> admitted = new ArrayList<>(candidates.length);
        EgressRefusedException refused = null;
        for (InetAddress candidate : candidates) {
            try {
                policy.check(host, candidate);
                admitted.add(candidate);
            } catch (EgressRefusedException ex) {
                refused = refused == null ? ex : refused;
            }
        }
        if (admitted.isEmpty()) {
            throw refused != null ? refused : new UnknownHostException(host + ": no address");
        }
        // Addresses of one name that the policy refuses are dropped; the connection tries only the
        // others.
        return admitted.toArray(InetAddress[]::new);
    }

    @Override
    public String resolveCanonicalHostname(String host) throws UnknownHostException {
        return delegate.resolveCanonicalHostname(host);
    }
}
