package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** Query bytes that are no image the decoder reads (or that the model fails on): 422. */
class QueryImageUndecodableException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    QueryImageUndecodableException(String detail) {
        super(detail);
    }

    QueryImageUndecodableException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.UNPROCESSABLE_CONTENT;
    }

    @Override
    String type() {
        return "image-undecodable";
    }

    @Override
    String title() {
        return "Image cannot be decoded";
    }
}
