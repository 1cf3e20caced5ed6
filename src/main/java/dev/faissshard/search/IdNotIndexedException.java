package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** A search by catalogue id whose id no shard of a requested type holds: 404. */
class IdNotIndexedException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    IdNotIndexedException(String detail) {
        super(detail);
    }

    IdNotIndexedException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.NOT_FOUND;
    }

    @Override
    String type() {
        return "search-id-not-indexed";
    }

    @Override
    String title() {
        return "Catalogue id not in the index";
    }
}
