package dev.faissshard.fetch;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * A block of addresses, {@code 10.0.0.0/8} or {@code fc00::/7}. An IPv4 block also contains the
 * IPv4-mapped IPv6 form of its addresses ({@code ::ffff:10.1.2.3}), which reaches the same host.
 *
 * @param network the first address's bytes (4 or 16)
 * @param prefixLength leading bits that must match
 */
record Cidr(byte[] network, int prefixLength) {

    Cidr {
        if (network.length != 4 && network.length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes");
        }
        if (prefixLength < 0 || prefixLength > network.length * 8) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range");
        }
        network = network.clone();
    }

    /** {@code a.b.c.d/n}, {@code x:y::/n}, or one address (all its bits). */
    static Cidr parse(String text) {
        String value = text.strip();
        int slash = value.indexOf('/');
        String address = slash < 0 ? value : value.substring(0, slash);
        InetAddress parsed =
                IpLiteral.parse(address)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "'" + text + "' is not an address range"));
        byte[] bytes = bytes(parsed);
        int length;
        try {
            length = slash < 0 ? bytes.length * 8 : Integer.parseInt(value.substring(slash + 1));
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("'" + text + "' has no valid prefix length", ex);
        }
        boolean mapped = address.indexOf(':') >= 0 && bytes.length == 4;
        if (length < 0 || length > (mapped ? 128 : bytes.length * 8)) {
            throw new IllegalArgumentException("'" + text + "' has a prefix length out of range");
        }
        if (mapped) {
            // ::ffff:a.b.c.d/n: Java hands mapped addresses back as IPv4; keep the bits that
            // concern IPv4.
            length = Math.max(0, length - 96);
        }
        return new Cidr(bytes, length);
    }

    boolean contains(InetAddress address) {
        byte[] candidate = bytes(address);
        if (candidate.length != network.length) {
            return false;
        }
        int full = prefixLength / 8;
        for (int i = 0; i < full; i++) {
            if (candidate[i] != network[i]) {
                return false;
            }
        }
        int rest = prefixLength % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (candidate[full] & mask) == (network[full] & mask);
    }

    /** The bytes to compare: IPv4 for IPv4 and IPv4-mapped IPv6 alike. */
    static byte[] bytes(InetAddress address) {
        byte[] raw = address.getAddress();
        if (raw.length == 16 && isMapped(raw)) {
            return Arrays.copyOfRange(raw, 12, 16);
        }
        return raw;
    }

    private static boolean isMapped(byte[] raw) {
        for (int i = 0; i < 10; i++) {
            if (raw[i] != 0) {
                return false;
            }
        }
        return raw[10] == (byte) 0xFF && raw[11] == (byte) 0xFF;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Cidr cidr
                && cidr.prefixLength == prefixLength
                && Arrays.equals(cidr.network, network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
        } catch (java.net.UnknownHostException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
