package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/** No manifest (and no partitions file) at the requested prefix: 404. */
class IndexNotFoundException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    IndexNotFoundException(String detail) {
        super(detail);
    }

    IndexNotFoundException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.NOT_FOUND;
    }

    @Override
    String type() {
        return "search-index-not-found";
    }

    @Override
    String title() {
        return "No index at this prefix";
    }
}
