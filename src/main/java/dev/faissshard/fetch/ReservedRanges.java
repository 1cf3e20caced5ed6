package dev.faissshard.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The address blocks an image fetch must not reach unless the operator allows them: everything that
 * is not a public unicast address (IANA special-purpose registries). IPv6 forms that carry an IPv4
 * address (IPv4-mapped, NAT64, 6to4) are judged by the IPv4 address inside.
 */
final class ReservedRanges {

    /** A refused block (null when the refusal is "outside every public block") and what it is. */
    record Range(Cidr cidr, String kind) {

        String describe() {
            return "a " + kind + " address" + (cidr == null ? "" : " (" + cidr + ")");
        }
    }

    private static final List<Range> IPV4 =
            List.of(
                    range("255.255.255.255/32", "broadcast"),
                    range("0.0.0.0/8", "unspecified ('this network')"),
                    range("10.0.0.0/8", "private"),
                    range("100.64.0.0/10", "carrier-grade NAT"),
                    range("127.0.0.0/8", "loopback"),
                    range("169.254.0.0/16", "link-local (cloud metadata)"),
                    range("172.16.0.0/12", "private"),
                    range("192.0.0.0/24", "reserved (IETF protocol assignments)"),
                    range("192.0.2.0/24", "reserved (documentation)"),
                    range("192.88.99.0/24", "reserved (6to4 relay anycast)"),
                    range("192.168.0.0/16", "private"),
                    range("198.18.0.0/15", "reserved (benchmarking)"),
                    range("198.51.100.0/24", "reserved (documentation)"),
                    range("203.0.113.0/24", "reserved (documentation)"),
                    range("224.0.0.0/4", "multicast"),
                    range("240.0.0.0/4", "reserved"));

    private static final List<Range> IPV6 =
            List.of(
                    range("::/128", "unspecified"),
                    range("::1/128", "loopback"),
                    range("::/96", "IPv4-compatible (deprecated)"),
                    range("64:ff9b:1::/48", "reserved (local-use NAT64)"),
                    range("100::/64", "reserved (discard-only)"),
                    range("2001:db8::/32", "reserved (documentation)"),
                    range("2001::/23", "reserved (IETF protocol assignments, Teredo)"),
                    range("fc00::/7", "private (unique local)"),
                    range("fe80::/10", "link-local"),
                    range("fec0::/10", "site-local (deprecated)"),
                    range("ff00::/8", "multicast"));

    private static final Cidr GLOBAL_UNICAST = Cidr.parse("2000::/3");
    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    private ReservedRanges() {}

    /** The reserved block holding the address, or empty for a public unicast address. */
    static Optional<Range> of(InetAddress address) {
        byte[] bytes = Cidr.bytes(address);
        if (bytes.length == 4) {
            return first(IPV4, address);
        }
        if (NAT64.contains(address)) {
            return embedded(Arrays.copyOfRange(bytes, 12, 16), "NAT64");
        }
        if (SIX_TO_FOUR.contains(address)) {
            return embedded(Arrays.copyOfRange(bytes, 2, 6), "6to4");
        }
        Optional<Range> listed = first(IPV6, address);
        if (listed.isPresent() || GLOBAL_UNICAST.contains(address)) {
            return listed;
        }
        return Optional.of(new Range(null, "reserved (outside IPv6 global unicast, 2000::/3)"));
    }

    private static Optional<Range> embedded(byte[] ipv4, String via) {
        try {
            return first(IPV4, InetAddress.getByAddress(ipv4))
                    .map(
                            inner ->
                                    new Range(
                                            inner.cidr(),
                                            inner.kind() + ", inside a " + via + " IPv6 address"));
        } catch (UnknownHostException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static Optional<Range> first(List<Range> ranges, InetAddress address) {
        return ranges.stream().filter(range -> range.cidr().contains(address)).findFirst();
    }

    private static Range range(String cidr, String kind) {
        return new Range(Cidr.parse(cidr), kind);
    }
}
