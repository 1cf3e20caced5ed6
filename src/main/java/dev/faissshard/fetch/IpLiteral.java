package dev.faissshard.fetch;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads a URL host that is a number rather than a name, in every form a C resolver accepts: dotted
 * quads, the short forms of {@code inet_aton} ({@code 127.1}, {@code 10.1.2}), one 32-bit number
 * ({@code 2130706433}), octal and hex parts ({@code 017700000001}, {@code 0x7f.1}), and bracketed
 * IPv6 ({@code [::ffff:127.0.0.1]}). The egress policy classifies what this returns, and the
 * fetcher connects to exactly that address, so a host that one parser reads as a name and another
 * as a number cannot slip through.
 */
final class IpLiteral {

    private IpLiteral() {}

    /** The address a numeric host denotes, or empty for a host name (or text that is neither). */
    static Optional<InetAddress> parse(String host) {
        if (host == null || host.isEmpty()) {
            return Optional.empty();
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            return ipv6(host.substring(1, host.length() - 1));
        }
        if (host.indexOf(':') >= 0) {
            return ipv6(host);
        }
        String text = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        return ipv4(text).map(IpLiteral::address);
    }

    /** The canonical text of an address for a URL: dotted quad, or bracketed compressed IPv6. */
    static String urlHost(InetAddress address) {
        String text = address.getHostAddress();
        int zone = text.indexOf('%');
        if (zone >= 0) {
            text = text.substring(0, zone);
        }
        return address.getAddress().length == 16 ? "[" + text + "]" : text;
    }

    private static Optional<InetAddress> ipv6(String text) {
        int zone = text.indexOf('%');
        String bare = zone >= 0 ? text.substring(0, zone) : text;
        if (bare.isEmpty() || bare.indexOf(':') < 0) {
            return Optional.empty();
        }
        for (int i = 0; i < bare.length(); i++) {
            char c = bare.charAt(i);
            if (!(c == ':' || c == '.' || Character.digit(c, 16) >= 0)) {
                return Optional.empty();
            }
        }
        try {
            // A literal of hex digits, colons and dots only: getByName parses it without any
            // lookup.
            return Optional.of(InetAddress.getByName(bare));
        } catch (UnknownHostException | IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    private static Optional<byte[]> ipv4(String text) {
        if (text.isEmpty() || text.startsWith(".") || text.contains("..")) {
            return Optional.empty();
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length > 4) {
            return Optional.empty();
        }
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Long value = number(parts[i]);
            if (value == null) {
                return Optional.empty();
            }
            values[i] = value;
        }
        // inet_aton: every part but the last is one byte; the last fills the remaining bytes.
        long result = 0;
        for (int i = 0; i < values.length - 1; i++) {
            if (values[i] > 0xFF) {
                return Optional.empty();
            }
            result = (result << 8) | values[i];
        }
        int lastBits = 8 * (4 - (values.length - 1));
        long last = values[values.length - 1];
        if (last >= (1L << lastBits)) {
            return Optional.empty();
        }
        result = (result << lastBits) | last;
        return Optional.of(
                new byte[] {
                    (byte) (result >>> 24),
                    (byte) (result >>> 16),
                    (byte) (result >>> 8),
                    (byte) result
                });
    }

    /** One part: decimal, octal with a leading 0, hex with 0x; null when it is not a number. */
    private static Long number(String part) {
        String lower = part.toLowerCase(Locale.ROOT);
        int radix = 10;
        String digits = lower;
        if (lower.startsWith("0x")) {
            radix = 16;
            digits = lower.substring(2);
            if (digits.isEmpty()) {
                return 0L;
            }
        } else if (lower.length() > 1 && lower.startsWith("0")) {
            radix = 8;
            digits = lower.substring(1);
        }
        if (digits.isEmpty() || digits.length() > 16) {
            return null;
        }
        long value = 0;
        for (int i = 0; i < digits.length(); i++) {
            int digit = Character.digit(digits.charAt(i), radix);
            if (digit < 0) {
                return null;
            }
            value = value * radix + digit;
            if (value > 0xFFFFFFFFL) {
                return null;
            }
        }
        return value;
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException ex) {
            throw new IllegalStateException("four bytes are always an address", ex);
        }
    }
}
