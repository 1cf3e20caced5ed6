package dev.faissshard.lease;

/** Another process holds the lease of the index a job asked for: two writers would corrupt it. */
public class IndexLeaseHeldException extends RuntimeException {

    private final transient LeaseRecord holder;

    IndexLeaseHeldException(String index, LeaseRecord holder) {
        super(
                "Index "
                        + index
                        + " is being built by another process (owner "
                        + holder.ownerId()
                        + " on "
                        + holder.host()
                        + ", job "
                        + holder.jobId()
                        + ") until at least "
                        + holder.expiresAt()
                        + "; its lease is renewed while that job runs and taken over once it expires");
        this.holder = holder;
    }

    public LeaseRecord holder() {
        return holder;
    }
}
