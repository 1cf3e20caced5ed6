package dev.faissshard.fetch;

/**
 * A catalogue row's (or a redirect's) URL text that is not a usable URL; the message says why,
 * briefly.
 */
public final class InvalidUrlException extends Exception {

    public InvalidUrlException(String message) {
        super(message);
    }
}
