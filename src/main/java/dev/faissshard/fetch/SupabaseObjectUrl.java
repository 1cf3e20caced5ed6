package dev.faissshard.fetch;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * An image URL that names an object in a Supabase Storage bucket: {@code supabase://<bucket>/<path>}, or
 * an object URL of the configured project ({@code <SUPABASE_URL>/storage/v1/object/[public/|authenticated/]<bucket>/<path>}).
 *
 * @param bucket the bucket
 * @param key the object's path inside it, decoded
 */
record SupabaseObjectUrl(String bucket, String key) {

    private static final String OBJECT_PATH = "/storage/v1/object/";

    static Optional<SupabaseObjectUrl> parse(URI url, URI projectUrl) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("supabase")) {
            String path = url.getPath() == null ? "" : url.getPath().replaceFirst("^/", "");
            return of(ImageUrl.host(url), path);
        }
        // getHost() is null for hosts java.net.URI cannot parse as names (127.1, 2130706433, a_b.example).
        if (projectUrl == null || !(scheme.equals("http") || scheme.equals("https"))
                || !ImageUrl.host(url).equalsIgnoreCase(ImageUrl.host(projectUrl)) || url.getPort() != projectUrl.getPort()
                || url.getPath() == null || !url.getPath().startsWith(OBJECT_PATH)) {
            return Optional.empty();
        }
        String rest = url.getPath().substring(OBJECT_PATH.length());
        for (String route : new String[] { "public/", "authenticated/" }) {
            if (rest.startsWith(route)) {
                rest = rest.substring(route.length());
                break;
            }
        }
        if (rest.startsWith("sign/")) {
            return Optional.empty(); // a signed URL carries its own token: fetch it as it is
        }
        int slash = rest.indexOf('/');
        return slash < 0 ? Optional.empty() : of(rest.substring(0, slash), rest.substring(slash + 1));
    }

    private static Optional<SupabaseObjectUrl> of(String bucket, String key) {
        if (bucket == null || bucket.isEmpty() || key == null || key.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SupabaseObjectUrl(bucket, key));
    }
}
