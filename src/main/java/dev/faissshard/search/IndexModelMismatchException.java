package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/**
 * An image query whose type's index was built by a model other than the service's: its vectors
 * would not be comparable, 409.
 */
class IndexModelMismatchException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    IndexModelMismatchException(String detail) {
        super(detail);
    }

    IndexModelMismatchException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.CONFLICT;
    }

    @Override
    String type() {
        return "search-model-mismatch";
    }

    @Override
    String title() {
        return "Index was built with another model";
    }
}
