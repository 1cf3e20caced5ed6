package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** A search (with the loading of its index) passed fsb.search.timeout: 503. */
class SearchTimeoutException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    SearchTimeoutException(String detail) {
        super(detail);
    }

    SearchTimeoutException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.SERVICE_UNAVAILABLE;
    }

    @Override
    String type() {
        return "search-timeout";
    }

    @Override
    String title() {
        return "Search took too long";
    }
}
