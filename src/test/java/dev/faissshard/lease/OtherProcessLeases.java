package dev.faissshard.lease;

import dev.faissshard.storage.StorageClient;
import java.time.Clock;
import tools.jackson.databind.json.JsonMapper;

/**
 * For tests outside this package: the leases of a process other than this JVM, whose liveness
 * cannot be checked, so that a lease it holds is respected until it expires (as on another
 * machine).
 */
public final class OtherProcessLeases {

    private OtherProcessLeases() {}

    public static IndexLeases of(
            StorageClient storage, LeaseProperties properties, Clock clock, String ownerId) {
        return new IndexLeases(storage, properties, clock, JsonMapper.builder().build(), ownerId);
    }
}
