package dev.faissshard.thumbnail;

import java.time.Instant;
import org.springframework.http.MediaType;

/**
 * One encoded thumbnail.
 *
 * @param bytes the encoded image; never modified after construction
 * @param mediaType its format
 * @param etag a strong entity tag of the bytes, quoted
 * @param madeAt when it was encoded, for the cache's time to live
 */
record Thumbnail(byte[] bytes, MediaType mediaType, String etag, Instant madeAt) {}
