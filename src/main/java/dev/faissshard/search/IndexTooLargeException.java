package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/**
 * Loading the index would take the shard cache past fsb.search.cache-max-bytes: 507, never an
 * out-of-memory.
 */
class IndexTooLargeException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    IndexTooLargeException(String detail) {
        super(detail);
    }

    IndexTooLargeException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.INSUFFICIENT_STORAGE;
    }

    @Override
    String type() {
        return "search-index-too-large";
    }

    @Override
    String title() {
        return "Index does not fit the search cache";
    }
}
