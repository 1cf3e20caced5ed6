package dev.faissshard.fetch;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A configured host pattern: an exact host name or address, or {@code *.} and a domain, which
 * matches every host under that domain (not the domain itself, as with TLS wildcard names; list
 * both to cover both). Hosts are compared in lower case, as {@link ImageUrl#host} gives them.
 */
record HostPattern(String text, String exact, String suffix) {

    private static final Pattern NAME =
            Pattern.compile("[a-z0-9]([a-z0-9.:\\[\\]_-]*[a-z0-9\\]])?");

    static HostPattern parse(String text) {
        String pattern = text.strip().toLowerCase(Locale.ROOT);
        if (pattern.startsWith("*.")) {
            String domain = pattern.substring(2);
            requireName(text, domain);
            return new HostPattern(pattern, null, "." + domain);
        }
        requireName(text, pattern);
        return new HostPattern(pattern, pattern, null);
    }

    private static void requireName(String text, String name) {
        if (!NAME.matcher(name).matches() || name.contains("..")) {
            throw new IllegalArgumentException(
                    "fsb.fetch.hosts: '"
                            + text
                            + "' is neither a host name nor *. followed by a domain");
        }
    }

    boolean matches(String host) {
        return exact != null ? exact.equals(host) : host.endsWith(suffix);
    }
}
