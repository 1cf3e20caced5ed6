package dev.faissshard.supabase;

import java.nio.charset.StandardCharsets;
import org.springframework.web.util.UriUtils;

/**
 * Object keys in Storage URLs: each segment percent-encoded once (the server decodes once), slashes
 * kept.
 */
final class ObjectPaths {

    private ObjectPaths() {}

    static String encode(String key) {
        StringBuilder path = new StringBuilder(key.length() + 16);
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                path.append('/');
            }
            path.append(UriUtils.encodePathSegment(segments[i], StandardCharsets.UTF_8));
        }
        return path.toString();
    }
}
