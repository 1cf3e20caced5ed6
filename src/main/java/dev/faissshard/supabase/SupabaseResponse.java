package dev.faissshard.supabase;

import java.nio.charset.StandardCharsets;
import org.springframework.http.HttpHeaders;

/**
 * A successful (2xx) answer, read whole.
 *
 * @param status the HTTP status
 * @param headers the response headers
 * @param body the body bytes, empty if none
 */
public record SupabaseResponse(int status, HttpHeaders headers, byte[] body) {

    public String text() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
