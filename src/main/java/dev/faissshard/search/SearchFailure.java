package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/**
 * A search, embed or index-catalogue request that cannot be answered, as a typed failure: each
 * subclass is one problem type with one status. Details are fixed texts: never a value the caller
 * sent, never storage contents.
 */
abstract class SearchFailure extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SearchFailure(String detail) {
        super(detail);
    }

    SearchFailure(String detail, Throwable cause) {
        super(detail, cause);
    }

    abstract HttpStatus status();

    /** The problem type's slug under {@code ProblemTypes.BASE}. */
    abstract String type();

    abstract String title();
}
