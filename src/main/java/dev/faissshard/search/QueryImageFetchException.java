package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** A query URL whose server did not deliver an image: 502. */
class QueryImageFetchException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    QueryImageFetchException(String detail) {
        super(detail);
    }

    QueryImageFetchException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.BAD_GATEWAY;
    }

    @Override
    String type() {
        return "image-fetch-failed";
    }

    @Override
    String title() {
        return "Image could not be fetched";
    }
}
