package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/**
 * The shards of one type disagree on dimension, metric or model (partitions of different builds):
 * no exact merge exists, 409.
 */
class IndexInconsistentException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    IndexInconsistentException(String detail) {
        super(detail);
    }

    IndexInconsistentException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.CONFLICT;
    }

    @Override
    String type() {
        return "search-index-inconsistent";
    }

    @Override
    String title() {
        return "Index mixes dimensions or metrics";
    }
}
