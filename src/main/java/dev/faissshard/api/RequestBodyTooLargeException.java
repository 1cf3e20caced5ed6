package dev.faissshard.api;

import java.io.IOException;

/** A request body grew past {@code fsb.api.max-request-body} while it was read. */
class RequestBodyTooLargeException extends IOException {

    RequestBodyTooLargeException(long limit) {
        super("request body larger than " + limit + " bytes");
    }
}
