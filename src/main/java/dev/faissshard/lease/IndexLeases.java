package dev.faissshard.lease;

import dev.faissshard.index.IndexLayout;
import dev.faissshard.storage.ObjectAlreadyExistsException;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * One writer per index, across every process that shares a store. A job takes the lease of its
 * index before it writes anything and holds it while it runs; a second process's job on the same
 * index is refused with the holder named; a lease left by a killed process expires and is taken
 * over.
 *
 * <p>The protocol needs only what every store has: create-if-absent ({@link StorageClient#create}:
 * a hard link locally, a POST without upsert on Supabase), replace and list. Leases are numbered
 * generations, {@code <prefix>faiss/lease/<generation>.json}; taking one is creating the next
 * number, so of two processes taking over the same expired lease exactly one succeeds, and a holder
 * that finds a newer generation knows it lost the lease (a fencing number). Expiry is judged by the
 * reader's clock with {@link LeaseProperties#clockSkew()} of slack, and a holder stops committing a
 * third of the lease time before its own expiry, so a slow last commit still ends before anyone may
 * take over.
 *
 * <p>Thread-safe.
 */
@Component
public class IndexLeases implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(IndexLeases.class);
    private static final String FOLDER = "faiss/lease/";
    private static final String SUFFIX = ".json";
    private static final int DIGITS = 20;

    private final StorageClient storage;
    private final LeaseProperties properties;
    private final Clock clock;
    private final JsonMapper json;
    private final String ownerId;
    private final String host;
    private final String processSpace;
    private final long pid;
    private final ScheduledExecutorService renewals;

    @Autowired
    public IndexLeases(
            StorageClient storage, LeaseProperties properties, Clock clock, JsonMapper json) {
        this(
                storage,
                properties,
                clock,
                json,
                UUID.randomUUID().toString(),
                processSpace(),
                ProcessHandle.current().pid());
    }

    /** A process whose liveness others cannot check (as on a system without /proc). */
    IndexLeases(
            StorageClient storage,
            LeaseProperties properties,
            Clock clock,
            JsonMapper json,
            String ownerId) {
        this(storage, properties, clock, json, ownerId, null, 0);
    }

    IndexLeases(
            StorageClient storage,
            LeaseProperties properties,
            Clock clock,
            JsonMapper json,
            String ownerId,
            String processSpace,
            long pid) {
        this.storage = storage;
        this.properties = properties;
        this.clock = clock;
        this.json = json;
        this.ownerId = ownerId;
        this.host = hostName();
        this.processSpace = processSpace;
        this.pid = pid;
        this.renewals = Executors.newSingleThreadScheduledExecutor(renewalThreads());
    }

    /** This process's owner id, as other processes see it in a refusal. */
    public String ownerId() {
        return ownerId;
    }

    /**
     * Takes the lease of the index at {@code layout} for {@code jobId}, renewed in the background
     * until {@link Lease#close()}.
     *
     * @throws IndexLeaseHeldException when another process holds it
     */
    public Lease acquire(IndexLayout layout, String jobId) {
        if (!properties.enabled()) {
            return Lease.none();
        }
        String folder = layout.absolute(FOLDER);
        Optional<Generation> newest = newest(folder);
        Instant now = clock.instant();
        if (newest.isPresent()) {
            LeaseRecord holder = newest.get().record();
            boolean ours = holder.ownerId().equals(ownerId);
            boolean gone = !ours && holderGone(holder);
            if (!ours && !gone && !holder.freeAt(now, properties.clockSkew())) {
                throw new IndexLeaseHeldException(describe(layout), holder);
            }
            if (gone && !holder.released()) {
                log.info(
                        "Taking over the lease of {} from {} (job {}): its process {} on this machine is gone",
                        describe(layout),
                        holder.ownerId(),
                        holder.jobId(),
                        holder.pid());
            } else if (!ours && !holder.released()) {
                log.info(
                        "Taking over the expired lease of {} from {} on {} (job {}, expired {})",
                        describe(layout),
                        holder.ownerId(),
                        holder.host(),
                        holder.jobId(),
                        holder.expiresAt());
            }
        }
        long generation = newest.map(g -> g.record().generation() + 1).orElse(1L);
        LeaseRecord record = ours(generation, jobId, now, now.plus(properties.ttl()), false);
        try {
            storage.create(
                    key(folder, generation), json.writeValueAsBytes(record), "application/json");
        } catch (ObjectAlreadyExistsException raced) {
            // Another process created this generation first: it holds the lease now.
            LeaseRecord winner = newest(folder).map(Generation::record).orElse(record);
            throw new IndexLeaseHeldException(describe(layout), winner);
        }
        removeOlderThan(folder, generation);
        Lease lease = new Lease(this, layout, folder, record);
        lease.schedule(renewals, properties.renewEvery());
        log.debug("Lease {} of {} taken for job {}", generation, describe(layout), jobId);
        return lease;
    }

    /** The lease record a process holds on the index, if any is live now. */
    public Optional<LeaseRecord> holder(IndexLayout layout) {
        Instant now = clock.instant();
        return newest(layout.absolute(FOLDER))
                .map(Generation::record)
                .filter(record -> !record.freeAt(now, properties.clockSkew()));
    }

    @Override
    public void destroy() {
        renewals.shutdownNow();
    }

    /** Writes a later expiry into the holder's own generation, unless a newer generation exists. */
    LeaseRecord renew(String folder, LeaseRecord current) {
        Optional<Generation> newest = newest(folder);
        if (newest.isEmpty()
                || newest.get().record().generation() != current.generation()
                || !newest.get().record().ownerId().equals(ownerId)) {
            throw new LeaseLostException(
                    "The lease of "
                            + folder
                            + " was taken over by "
                            + newest.map(
                                            g ->
                                                    g.record().ownerId()
                                                            + " (generation "
                                                            + g.record().generation()
                                                            + ")")
                                    .orElse("nobody: it was deleted"));
        }
        Instant now = clock.instant();
        LeaseRecord renewed =
                ours(current.generation(), current.jobId(), now, now.plus(properties.ttl()), false);
        storage.replace(
                key(folder, current.generation()),
                json.writeValueAsBytes(renewed),
                "application/json");
        return renewed;
    }

    /**
     * Marks the holder's own generation released rather than deleting it, so that generations only
     * grow and the next holder's number still fences this one.
     */
    void release(String folder, LeaseRecord current) {
        Optional<Generation> newest = newest(folder);
        if (newest.isPresent()
                && newest.get().record().generation() == current.generation()
                && newest.get().record().ownerId().equals(ownerId)) {
            Instant now = clock.instant();
            LeaseRecord released = ours(current.generation(), current.jobId(), now, now, true);
            storage.replace(
                    key(folder, current.generation()),
                    json.writeValueAsBytes(released),
                    "application/json");
        }
    }

    Instant now() {
        return clock.instant();
    }

    LeaseProperties properties() {
        return properties;
    }

    private Optional<Generation> newest(String folder) {
        return generations(folder).stream()
                .max(Comparator.comparingLong(Generation::number))
                .flatMap(
                        g ->
                                read(g.key())
                                        .map(
                                                record ->
                                                        new Generation(
                                                                g.number(), g.key(), record)));
    }

    /**
     * The generations stored in {@code folder}, by name alone; anything else there is not ours and
     * left alone.
     */
    private List<Generation> generations(String folder) {
        return storage.list(folder).stream()
                .map(StoredObject::key)
                .map(key -> parse(folder, key))
                .flatMap(Optional::stream)
                .toList();
    }

    private Optional<LeaseRecord> read(String key) {
        return storage.find(key)
                .map(
                        data -> {
                            try {
                                return json.readValue(data, LeaseRecord.class);
                            } catch (JacksonException unreadable) {
                                // A lease nobody can read protects nothing; treat it as long
                                // expired, so it is taken over.
                                log.warn(
                                        "Lease object {} is unreadable; treating it as expired",
                                        key);
                                return new LeaseRecord(
                                        LeaseRecord.FORMAT_VERSION,
                                        generationOf(key),
                                        "unknown",
                                        "unknown",
                                        null,
                                        0,
                                        "unknown",
                                        Instant.EPOCH,
                                        Instant.EPOCH,
                                        true);
                            }
                        });
    }

    private void removeOlderThan(String folder, long generation) {
        for (Generation older : generations(folder)) {
            if (older.number() < generation) {
                storage.delete(older.key());
            }
        }
    }

    private static Optional<Generation> parse(String folder, String key) {
        String name = key.substring(folder.length());
        if (name.length() != DIGITS + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return Optional.empty();
        }
        for (int i = 0; i < DIGITS; i++) {
            if (name.charAt(i) < '0' || name.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(new Generation(Long.parseLong(name.substring(0, DIGITS)), key, null));
    }

    private static long generationOf(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        return Long.parseLong(name.substring(0, DIGITS));
    }

    private static String key(String folder, long generation) {
        return folder + String.format("%0" + DIGITS + "d", generation) + SUFFIX;
    }

    private String describe(IndexLayout layout) {
        return storage.description()
                + (layout.prefix().isEmpty() ? "" : " prefix " + layout.prefix());
    }

    /**
     * Whether the holder is a process of this very machine and PID namespace that no longer runs: a
     * restart after a crash or {@code kill -9} then resumes at once instead of waiting out the
     * lease. A holder elsewhere, or a process id now taken by another live process, waits for
     * expiry as usual.
     */
    private boolean holderGone(LeaseRecord holder) {
        if (processSpace == null || !processSpace.equals(holder.processSpace())) {
            return false;
        }
        return holder.pid() == pid
                || ProcessHandle.of(holder.pid()).map(process -> !process.isAlive()).orElse(true);
    }

    /**
     * The kernel boot and PID namespace process ids are valid in, or null where /proc does not
     * tell.
     */
    private static String processSpace() {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            String namespace = Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
            return boot + " " + namespace;
        } catch (IOException | UnsupportedOperationException | SecurityException ex) {
            return null;
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException ex) {
            return "unknown host";
        }
    }

    private static CustomizableThreadFactory renewalThreads() {
        CustomizableThreadFactory threads = new CustomizableThreadFactory("lease-renewal-");
        threads.setDaemon(true);
        return threads;
    }

    private record Generation(long number, String key, LeaseRecord record) {}

    /** A record of this process holding {@code generation} for {@code jobId}. */
    private LeaseRecord ours(
            long generation, String jobId, Instant now, Instant expiresAt, boolean released) {
        return new LeaseRecord(
                LeaseRecord.FORMAT_VERSION,
                generation,
                ownerId,
                host,
                processSpace,
                pid,
                jobId,
                now,
                expiresAt,
                released);
    }
}
