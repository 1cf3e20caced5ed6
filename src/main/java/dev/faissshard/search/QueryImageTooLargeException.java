package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** A query image larger than fsb.fetch.max-bytes: 413. */
class QueryImageTooLargeException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    QueryImageTooLargeException(String detail) {
        super(detail);
    }

    QueryImageTooLargeException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.CONTENT_TOO_LARGE;
    }

    @Override
    String type() {
        return "image-too-large";
    }

    @Override
    String title() {
        return "Image too large";
    }
}
