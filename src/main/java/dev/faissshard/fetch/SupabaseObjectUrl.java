package dev.faissshard.fetch;

import dev.faissshard.storage.StorageKeys;
import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An image URL that names an object in a Supabase Storage bucket: {@code
 * supabase://<bucket>/<path>}, or an object URL of the configured project ({@code
 * <SUPABASE_URL>/storage/v1/object/[public/|authenticated/]<bucket>/<path>}).
 *
 * @param bucket the bucket
 * @param key the object's path inside it, decoded
 */
record SupabaseObjectUrl(String bucket, String key) {

    private static final String OBJECT_PATH = "/storage/v1/object/";

    /**
     * Supabase's bucket names; anything else would change the request's path, not name a bucket.
     */
    private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    static Optional<SupabaseObjectUrl> parse(URI url, URI projectUrl) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("supabase")) {
            String path = url.getPath() == null ? "" : url.getPath().replaceFirst("^/", "");
            return of(ImageUrl.host(url), path);
        }
        // getHost() is null for hosts java.net.URI cannot parse as names (127.1, 2130706433,
        // a_b.example).
        if (projectUrl == null
                || !(scheme.equals("http") || scheme.equals("https"))
                || !ImageUrl.host(url).equalsIgnoreCase(ImageUrl.host(projectUrl))
                || url.getPort() != projectUrl.getPort()
                || url.getPath() == null
                || !url.getPath().startsWith(OBJECT_PATH)) {
            return Optional.empty();
        }
        String rest = url.getPath().substring(OBJECT_PATH.length());
        for (String route : new String[] {"public/", "authenticated/"}) {
            if (rest.startsWith(route)) {
                rest = rest.substring(route.length());
                break;
            }
        }
        if (rest.startsWith("sign/")) {
            return Optional.empty(); // a signed URL carries its own token: fetch it as it is
        }
        int slash = rest.indexOf('/');
        return slash < 0
                ? Optional.empty()
                : of(rest.substring(0, slash), rest.substring(slash + 1));
    }

    /**
     * Why the URL cannot name an object, if it cannot: the bucket and key come from the catalogue
     * and are sent with the service key, so a {@code ..} segment or a bucket name that is no name
     * must never reach the request path, where it could name another bucket's object.
     */
    Optional<String> invalidReason() {
        if (!BUCKET.matcher(bucket).matches() || bucket.equals(".") || bucket.equals("..")) {
            return Optional.of("not a valid bucket name");
        }
        try {
            StorageKeys.check(key);
            return Optional.empty();
        } catch (IllegalArgumentException ex) {
            return Optional.of(
                    "not a valid object key (empty, '.' or '..' segment, or a backslash)");
        }
    }

    private static Optional<SupabaseObjectUrl> of(String bucket, String key) {
        if (bucket == null || bucket.isEmpty() || key == null || key.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SupabaseObjectUrl(bucket, key));
    }
}
