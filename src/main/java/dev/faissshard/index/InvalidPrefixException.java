package dev.faissshard.index;

/**
 * A storage prefix that breaks {@link IndexPrefix}'s rules. An {@link IllegalArgumentException}, so
 * the API answers it with a 400 problem; its message never quotes the prefix.
 */
public class InvalidPrefixException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidPrefixException(String reason) {
        super("prefix " + reason);
    }
}
