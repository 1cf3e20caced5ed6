package dev.faissshard.lease;

/**
 * This process no longer holds the lease of an index it was writing: a renewal did not succeed
 * before the lease expired, or another process took it over. The job must stop writing at once;
 * what it recorded before stays valid, and a later job resumes from it.
 */
public class LeaseLostException extends RuntimeException {

    LeaseLostException(String message) {
        super(message);
    }
}
