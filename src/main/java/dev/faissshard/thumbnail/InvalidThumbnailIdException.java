package dev.faissshard.thumbnail;

/** A thumbnail request naming an id no catalogue could have; the message is a fixed rule. */
final class InvalidThumbnailIdException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    InvalidThumbnailIdException(String rule) {
        super(rule, null, false, false);
    }
}
