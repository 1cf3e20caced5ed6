package dev.faissshard.fetch;

import java.net.UnknownHostException;

/**
 * The egress policy refused a destination. An {@link UnknownHostException} so that it leaves
 * HttpClient's resolver hook unchanged and is told apart from real connection failures by its type,
 * never its text.
 */
final class EgressRefusedException extends UnknownHostException {

    EgressRefusedException(String message) {
        super(message);
    }
}
