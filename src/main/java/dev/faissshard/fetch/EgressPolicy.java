package dev.faissshard.fetch;

import java.net.IDN;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which addresses an image fetch may connect to. In order: a denied range always refuses; an
 * allowed host name or range always admits; the {@link ReservedRanges} refuse; every other (public)
 * address is admitted. Judged on the address actually connected to, after resolution, so a name
 * that resolves to a private address (or starts to, DNS rebinding) is refused like the address
 * itself. Immutable, thread-safe.
 */
final class EgressPolicy {

    private final List<Cidr> allowRanges = new ArrayList<>();
    private final List<String> allowHosts = new ArrayList<>();
    private final List<Cidr> denyRanges = new ArrayList<>();

    /**
     * @param allow address ranges ({@code 10.1.0.0/16}, {@code 127.0.0.1}) and host names ({@code
     *     images.internal}, {@code *.corp.example} for every name under it)
     * @param deny address ranges refused on top of the reserved ones, even when allowed
     */
    EgressPolicy(List<String> allow, List<String> deny) {
        for (String entry : allow) {
            String value = entry.strip();
            if (value.isEmpty()) {
                continue;
            }
            if (value.indexOf('/') >= 0 || IpLiteral.parse(value).isPresent()) {
                allowRanges.add(range("fsb.fetch.egress.allow", value));
            } else {
                allowHosts.add(hostPattern(value));
            }
        }
        for (String entry : deny) {
            if (!entry.isBlank()) {
                denyRanges.add(range("fsb.fetch.egress.deny", entry));
            }
        }
    }

    /** The policy with no allow- or deny-list: only public addresses. */
    static EgressPolicy defaults() {
        return new EgressPolicy(List.of(), List.of());
    }

    /**
     * Admits or refuses one address that {@code host} resolved to (or that it is, for a numeric
     * host).
     *
     * @throws EgressRefusedException saying which kind of address it is, never the bytes of any
     *     answer
     */
    void check(String host, InetAddress address) throws EgressRefusedException {
        for (Cidr denied : denyRanges) {
            if (denied.contains(address)) {
                throw new EgressRefusedException(
                        target(host, address)
                                + " an address in the denied range "
                                + denied
                                + " (fsb.fetch.egress.deny)");
            }
        }
        if (allowsHost(host) || allowRanges.stream().anyMatch(range -> range.contains(address))) {
            return;
        }
        Optional<ReservedRanges.Range> reserved = ReservedRanges.of(address);
        if (reserved.isPresent()) {
            throw new EgressRefusedException(
                    target(host, address)
                            + " "
                            + reserved.get().describe()
                            + ", which image fetches may not reach unless fsb.fetch.egress.allow lists it");
        }
    }

    /**
     * Whether the host name itself is on the allow-list (its addresses are then not judged, but
     * denials hold).
     */
    boolean allowsHost(String host) {
        String name = normalise(host);
        for (String pattern : allowHosts) {
            if (pattern.startsWith("*.")
                    ? name.endsWith(pattern.substring(1))
                    : name.equals(pattern)) {
                return true;
            }
        }
        return false;
    }

    private static String target(String host, InetAddress address) {
        return IpLiteral.parse(host).isPresent()
                ? "destination " + host + " is"
                : "destination " + host + " resolves to";
    }

    private static Cidr range(String key, String entry) {
        try {
            return Cidr.parse(entry);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(key + ": " + ex.getMessage(), ex);
        }
    }

    private static String hostPattern(String value) {
        String name = value.startsWith("*.") ? value.substring(2) : value;
        String ascii = normalise(name);
        if (ascii.isEmpty() || !ascii.matches("[a-z0-9_.-]+")) {
            throw new IllegalArgumentException(
                    "fsb.fetch.egress.allow: '"
                            + value
                            + "' is neither a host name nor an address range");
        }
        return value.startsWith("*.") ? "*." + ascii : ascii;
    }

    private static String normalise(String host) {
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        try {
            return IDN.toASCII(name, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException ex) {
            return name.toLowerCase(Locale.ROOT);
        }
    }
}
