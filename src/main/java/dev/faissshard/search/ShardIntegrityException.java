package dev.faissshard.search;

import org.springframework.http.HttpStatus;

/**
 * A shard's bytes do not match the sha256, size or count its manifest records (or cannot be read by
 * FAISS): it is never served, 503.
 */
class ShardIntegrityException extends SearchFailure {

    private static final long serialVersionUID = 1L;

    ShardIntegrityException(String detail) {
        super(detail);
    }

    ShardIntegrityException(String detail, Throwable cause) {
        super(detail, cause);
    }

    @Override
    HttpStatus status() {
        return HttpStatus.SERVICE_UNAVAILABLE;
    }

    @Override
    String type() {
        return "search-shard-integrity";
    }

    @Override
    String title() {
        return "Stored shard does not match its manifest";
    }
}
