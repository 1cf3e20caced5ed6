package dev.faissshard.thumbnail;

import org.springframework.http.HttpStatus;

/**
 * Why a thumbnail cannot be served: each kind is one problem type with one status and a fixed
 * detail, which never names the id, the image URL or anything the image server sent.
 */
final class ThumbnailFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    enum Kind {
        UNKNOWN_ID(
                HttpStatus.NOT_FOUND,
                "catalog-entry-not-found",
                "No catalogue entry with this id",
                "the configured catalogue has no entry with this id"),
        URL_REFUSED(
                HttpStatus.BAD_GATEWAY,
                "thumbnail-url-refused",
                "Image URL not allowed",
                "the entry's image URL may not be fetched (egress policy or file confinement)"),
        FETCH_FAILED(
                HttpStatus.BAD_GATEWAY,
                "thumbnail-fetch-failed",
                "Image could not be fetched",
                "the entry's image could not be fetched"),
        UNDECODABLE(
                HttpStatus.BAD_GATEWAY,
                "thumbnail-undecodable",
                "Image cannot be decoded",
                "the entry's image is not an image that can be decoded"),
        TOO_LARGE(
                HttpStatus.BAD_GATEWAY,
                "thumbnail-image-too-large",
                "Image too large",
                "the entry's image is larger than fsb.fetch.max-bytes or fsb.image.max-pixels"),
        BUSY(
                HttpStatus.SERVICE_UNAVAILABLE,
                "thumbnail-busy",
                "Too many thumbnail requests",
                "too many thumbnails are being made; retry shortly");

        final HttpStatus status;
        final String slug;
        final String title;
        final String detail;

        Kind(HttpStatus status, String slug, String title, String detail) {
            this.status = status;
            this.slug = slug;
            this.title = title;
            this.detail = detail;
        }
    }

    private final Kind kind;

    ThumbnailFailure(Kind kind) {
        super(kind.detail, null, false, false);
        this.kind = kind;
    }

    Kind kind() {
        return kind;
    }
}
