package dev.faissshard.shard.faiss;

/** The FAISS native library is not usable on this machine. */
public class FaissUnavailableException extends RuntimeException {

    public FaissUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
