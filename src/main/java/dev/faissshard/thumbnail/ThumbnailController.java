package dev.faissshard.thumbnail;

import org.springframework.http.CacheControl;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /thumbnails/{id}}: a small JPEG of a catalogue entry's image, for the dashboard's
 * search results. Private to the caller (it needs a read token, like every GET), revalidated by its
 * entity tag: a matching {@code If-None-Match} is answered 304.
 */
@RestController
class ThumbnailController {

    private final ThumbnailService thumbnails;
    private final CacheControl cacheControl;

    ThumbnailController(ThumbnailService thumbnails, ThumbnailProperties properties) {
        this.thumbnails = thumbnails;
        this.cacheControl = CacheControl.maxAge(properties.maxAge()).cachePrivate();
    }

    @GetMapping("/thumbnails/{id}")
    ResponseEntity<byte[]> thumbnail(@PathVariable String id) {
        String invalid = ThumbnailIds.invalidReason(id);
        if (invalid != null) {
            throw new InvalidThumbnailIdException(invalid);
        }
        Thumbnail thumbnail = thumbnails.thumbnail(id);
        // Spring answers 304 itself when If-None-Match matches this entity tag.
        return ResponseEntity.ok()
                .contentType(thumbnail.mediaType())
                .cacheControl(cacheControl)
                .eTag(thumbnail.etag())
                .header("X-Content-Type-Options", "nosniff")
                .body(thumbnail.bytes());
    }
}
