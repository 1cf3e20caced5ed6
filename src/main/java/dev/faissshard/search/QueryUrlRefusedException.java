package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** A query URL that is not http(s) or that the egress policy refuses: 400. */
class QueryUrlRefusedException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    QueryUrlRefusedException(String detail) {
        super(detail);
    }

    QueryUrlRefusedException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.BAD_REQUEST;
    }

    @Override
    String type() {
        return "image-url-refused";
    }

    @Override
    String title() {
        return "Image URL not allowed";
    }
}
