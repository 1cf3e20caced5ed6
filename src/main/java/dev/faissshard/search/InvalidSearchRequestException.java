package dev.faissshard.search;

/**
 * A request field that breaks its rules: answered 400 {@code invalid-request} with the field named.
 * The message is a fixed rule text, never the value.
 */
class InvalidSearchRequestException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;

    InvalidSearchRequestException(String field, String message) {
        super(message);
        this.field = field;
    }

    String field() {
        return field;
    }
}
