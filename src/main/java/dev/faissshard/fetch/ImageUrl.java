package dev.faissshard.fetch;

import java.net.IDN;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * URL text from a catalogue row or a {@code Location} header, made into the URI that is requested.
 * IRIs become URIs as browsers send them: characters a URI may not hold (spaces, non-ASCII, {@code
 * "<>\^`{|}}) are percent-escaped as UTF-8, existing escapes are kept, and a non-ASCII host name
 * becomes punycode. Text that is no URL even so (a bad host, port or IPv6 literal) is reported with
 * the reason, so that the row fails alone ({@code invalid_url}) and the rest of the catalogue is
 * built.
 */
public final class ImageUrl {

    /** The scheme of the stand-in URI for a row whose text is no URL; nothing fetches it. */
    static final String INVALID_SCHEME = "invalid-url";

    private static final Pattern SCHEME =
            Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*):(.*)$", Pattern.DOTALL);
    private static final Pattern HOST_NAME =
            Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.?");
    private static final String ALLOWED = "-._~" + "!$&'()*+,;=" + ":@/?";
    private static final int MAX_LENGTH = 8192;

    private ImageUrl() {}

    /** An absolute URL ({@code scheme:…}); IRI characters escaped, host in ASCII. */
    public static URI parse(String text) throws InvalidUrlException {
        String value = text.strip();
        if (value.isEmpty()) {
            throw new InvalidUrlException("empty URL");
        }
        if (!SCHEME.matcher(value).matches()) {
            throw new InvalidUrlException("no scheme (such as https:)");
        }
        return reference(value);
    }

    /**
     * A stand-in URI for a catalogue row whose URL text is not a URL, so that the row still becomes
     * an entry and fails alone with {@code invalid_url} and the reason.
     */
    public static URI invalid(String reason) {
        try {
            return new URI(INVALID_SCHEME, reason, null);
        } catch (URISyntaxException ex) {
            throw new IllegalStateException(
                    "the multi-argument URI constructor quotes everything", ex);
        }
    }

    /** Why the URL is unusable, when it is a stand-in made by {@link #invalid}. */
    static Optional<String> invalidReason(URI url) {
        return INVALID_SCHEME.equalsIgnoreCase(url.getScheme())
                ? Optional.of(url.getSchemeSpecificPart())
                : Optional.empty();
    }

    /**
     * An absolute or relative reference, escaped the same way (relative ones come from redirects).
     */
    static URI reference(String text) throws InvalidUrlException {
        String value = text.strip();
        if (value.length() > MAX_LENGTH) {
            throw new InvalidUrlException("longer than " + MAX_LENGTH + " characters");
        }
        StringBuilder out = new StringBuilder(value.length() + 16);
        String rest = value;
        Matcher scheme = SCHEME.matcher(value);
        if (scheme.matches()) {
            out.append(scheme.group(1).toLowerCase(Locale.ROOT)).append(':');
            rest = scheme.group(2);
        }
        if (rest.startsWith("//")) {
            int end = 2;
            while (end < rest.length() && "/?#".indexOf(rest.charAt(end)) < 0) {
                end++;
            }
            out.append("//").append(authority(rest.substring(2, end)));
            rest = rest.substring(end);
        }
        escape(rest, out);
        try {
            return new URI(out.toString());
        } catch (URISyntaxException ex) {
            throw new InvalidUrlException(ex.getReason());
        }
    }

    /**
     * The host as written in the URL ({@code 127.1}, {@code [::1]}, {@code images.example.com}),
     * also when {@link URI#getHost()} gives up on it (it does for numeric short forms and
     * underscores); empty if none.
     */
    static String host(URI url) {
        if (url.getHost() != null) {
            return url.getHost();
        }
        String authority = url.getRawAuthority();
        if (authority == null) {
            return "";
        }
        String hostPort = authority.substring(authority.lastIndexOf('@') + 1);
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            return close < 0 ? hostPort : hostPort.substring(0, close + 1);
        }
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    private static String authority(String authority) throws InvalidUrlException {
        int at = authority.lastIndexOf('@');
        StringBuilder out = new StringBuilder();
        if (at >= 0) {
            escape(authority.substring(0, at).replace("/", "%2F"), out);
            out.append('@');
        }
        String hostPort = authority.substring(at + 1);
        String host;
        String port = null;
        if (hostPort.startsWith("[")) {
            int close = hostPort.indexOf(']');
            if (close < 0 || IpLiteral.parse(hostPort.substring(0, close + 1)).isEmpty()) {
                throw new InvalidUrlException("invalid IPv6 address in the host");
            }
            host = hostPort.substring(0, close + 1);
            String after = hostPort.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new InvalidUrlException("unexpected text after the IPv6 address");
                }
                port = after.substring(1);
            }
        } else {
            int colon = hostPort.lastIndexOf(':');
            host = colon < 0 ? hostPort : hostPort.substring(0, colon);
            port = colon < 0 ? null : hostPort.substring(colon + 1);
            host = asciiHost(host);
        }
        out.append(host);
        if (port != null && !port.isEmpty()) {
            if (!port.chars().allMatch(c -> c >= '0' && c <= '9')
                    || port.length() > 5
                    || Integer.parseInt(port) > 65535) {
                throw new InvalidUrlException("invalid port");
            }
            out.append(':').append(port);
        }
        return out.toString();
    }

    private static String asciiHost(String host) throws InvalidUrlException {
        if (host.isEmpty()) {
            return host;
        }
        String ascii;
        try {
            ascii = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException ex) {
            throw new InvalidUrlException("the host is not a valid name");
        }
        if (!HOST_NAME.matcher(ascii).matches()) {
            throw new InvalidUrlException("the host is not a valid name");
        }
        return ascii.toLowerCase(Locale.ROOT);
    }

    /** Path, query and fragment: keeps what a URI allows, escapes the rest as UTF-8. */
    private static void escape(String text, StringBuilder out) {
        boolean fragment = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && isHex(text, i + 1) && isHex(text, i + 2)) {
                out.append(c);
            } else if (c == '#' && !fragment) {
                fragment = true;
                out.append(c);
            } else if (c < 0x80 && (Character.isLetterOrDigit(c) || ALLOWED.indexOf(c) >= 0)) {
                out.append(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < text.length() ? i + 2 : i + 1;
                for (byte b : text.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%')
                            .append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
                }
                i = end - 1;
            }
        }
    }

    private static boolean isHex(String text, int index) {
        return index < text.length() && Character.digit(text.charAt(index), 16) >= 0;
    }
}
