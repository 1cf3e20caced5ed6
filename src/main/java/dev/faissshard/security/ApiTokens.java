package dev.faissshard.security;

import dev.faissshard.checksum.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The configured bearer tokens, kept only as SHA-256 hashes.
 *
 * <p>A presented token is hashed and compared with every configured hash by {@link
 * MessageDigest#isEqual}, without stopping at a match: how long a check takes says nothing about
 * how much of a token was right, nor about which entry matched. Hashing first also makes the
 * comparison independent of the presented token's length.
 *
 * <p>Parsing never quotes an entry in its errors: a rejected entry is named by its position and
 * role.
 */
public final class ApiTokens {

    /** Shorter tokens are refused at startup; {@code openssl rand -hex 32} gives 64 characters. */
    public static final int MIN_LENGTH = 16;

    /**
     * A token must also have this many different characters, so that "aaaaaaaaaaaaaaaa" is refused.
     */
    static final int MIN_DISTINCT_CHARACTERS = 5;

    /** RFC 6750's b64token: what a client can send after {@code Bearer } without quoting. */
    private static final Pattern TOKEN_CHARACTERS = Pattern.compile("[A-Za-z0-9._~+/-]+=*");

    private final List<Entry> entries;

    private ApiTokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Parses {@code ROLE:TOKEN} entries, split at the first colon.
     *
     * @throws WeakApiTokenException for a malformed, weak or repeated entry
     */
    public static ApiTokens parse(List<String> configured) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < configured.size(); i++) {
            String raw = configured.get(i).trim();
            if (raw.isEmpty()) {
                continue;
            }
            int position = i + 1;
            int colon = raw.indexOf(':');
            if (colon < 0) {
                throw new WeakApiTokenException(
                        "fsb.security.api-tokens entry "
                                + position
                                + " is not of the form ROLE:TOKEN (ROLE read or write)");
            }
            ApiRole role =
                    ApiRole.named(raw.substring(0, colon))
                            .orElseThrow(
                                    () ->
                                            new WeakApiTokenException(
                                                    "fsb.security.api-tokens entry "
                                                            + position
                                                            + " names a role other than read or write"));
            String token = raw.substring(colon + 1).trim();
            String where =
                    "fsb.security.api-tokens entry "
                            + position
                            + " (role "
                            + role.name().toLowerCase(java.util.Locale.ROOT)
                            + ")";
            if (token.length() < MIN_LENGTH) {
                throw new WeakApiTokenException(
                        where
                                + " has a token of "
                                + token.length()
                                + " characters; at least "
                                + MIN_LENGTH
                                + " are required");
            }
            if (token.chars().distinct().count() < MIN_DISTINCT_CHARACTERS) {
                throw new WeakApiTokenException(
                        where
                                + " has a token of fewer than "
                                + MIN_DISTINCT_CHARACTERS
                                + " different characters");
            }
            if (!TOKEN_CHARACTERS.matcher(token).matches()) {
                throw new WeakApiTokenException(
                        where
                                + " has a token with characters a client cannot send in a "
                                + "bearer header (allowed: letters, digits, - . _ ~ + / and trailing =)");
            }
            byte[] hash = sha256(token);
            for (Entry earlier : entries) {
                if (MessageDigest.isEqual(earlier.hash(), hash)) {
                    throw new WeakApiTokenException(
                            where + " repeats the token of entry " + earlier.position());
                }
            }
            entries.add(new Entry(position, role, hash));
        }
        return new ApiTokens(entries);
    }

    /** No token configured: the service is unauthenticated and must stay on loopback. */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** How many tokens carry this role. */
    public long count(ApiRole role) {
        return entries.stream().filter(entry -> entry.role() == role).count();
    }

    /** The role of a presented token, if it is one of the configured ones. */
    public Optional<ApiRole> roleOf(String presented) {
        byte[] hash = sha256(presented);
        ApiRole matched = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.hash(), hash)) {
                matched = entry.role();
            }
        }
        return Optional.ofNullable(matched);
    }

    @Override
    public String toString() {
        return "ApiTokens[write=" + count(ApiRole.WRITE) + ", read=" + count(ApiRole.READ) + "]";
    }

    private static byte[] sha256(String token) {
        return Sha256.of(token.getBytes(StandardCharsets.UTF_8));
    }

    private record Entry(int position, ApiRole role, byte[] hash) {}
}
