package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** Every search thread is busy and the queue is full: 503 with Retry-After. */
class SearchBusyException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    SearchBusyException(String detail) {
        super(detail);
    }

    SearchBusyException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.SERVICE_UNAVAILABLE;
    }

    @Override
    String type() {
        return "search-busy";
    }

    @Override
    String title() {
        return "Too many searches";
    }
}
