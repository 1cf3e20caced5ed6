package dev.faissshard.job;

import dev.faissshard.index.IdFile;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * Local storage that reads the root index's manifest as a consumer would after every change,
 * recording each moment a reader following it would miss an object, meet a wrong checksum or get
 * fewer vectors than the manifest before promised. It can also simulate a kill: once armed, after
 * the first {@code progress.json} write of a batch that sealed a shard it fails that write's caller
 * and every later call, so nothing more reaches storage, exactly as if the process had died there.
 */
final class ManifestAuditingStorage implements StorageClient {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern SEALED_SHARD = Pattern.compile("faiss/[a-z]+_shard_\\d+\\.faiss");

    /** What the test sees of the simulated kill. */
    static final class SimulatedKill extends RuntimeException {

        private static final long serialVersionUID = 1L;

        SimulatedKill() {
            super("simulated kill");
        }
    }

    private final StorageClient delegate;
    private final List<String> violations = new ArrayList<>();
    private final Map<String, Long> promisedVectors = new HashMap<>();
    private boolean killArmed;
    private boolean sealUploaded;
    private boolean dead;
    private int audits;

    ManifestAuditingStorage(StorageClient delegate) {
        this.delegate = delegate;
    }

    synchronized void armKillAfterSealingProgressWrite() {
        killArmed = true;
        sealUploaded = false;
    }

    /** A new process starts on the same storage. */
    synchronized void restart() {
        dead = false;
        killArmed = false;
    }

    synchronized boolean killed() {
        return dead;
    }

    synchronized List<String> violations() {
        return List.copyOf(violations);
    }

    synchronized int audits() {
        return audits;
    }

    @Override
    public synchronized void create(String key, byte[] data, String contentType) {
        alive();
        delegate.create(key, data, contentType);
        if (killArmed && SEALED_SHARD.matcher(key).matches()) {
            sealUploaded = true;
        }
        audit("create " + key);
    }

    @Override
    public synchronized void replace(String key, byte[] data, String contentType) {
        alive();
        delegate.replace(key, data, contentType);
        audit("replace " + key);
        if (killArmed && sealUploaded && key.equals("progress.json")) {
            dead = true;
            throw new SimulatedKill();
        }
    }

    @Override
    public synchronized void delete(String key) {
        alive();
        delegate.delete(key);
        audit("delete " + key);
    }

    @Override
    public synchronized byte[] get(String key) {
        alive();
        return delegate.get(key);
    }

    @Override
    public synchronized Optional<byte[]> find(String key) {
        alive();
        return delegate.find(key);
    }

    @Override
    public synchronized List<StoredObject> list(String prefix) {
        alive();
        return delegate.list(prefix);
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    @Override
    public OptionalLong maxObjectBytes() {
        return delegate.maxObjectBytes();
    }

    @Override
    public String description() {
        return delegate.description();
    }

    private void alive() {
        if (dead) {
            throw new SimulatedKill();
        }
    }

    @SuppressWarnings("unchecked")
    private void audit(String after) {
        Optional<byte[]> data = delegate.find("faiss/manifest.json");
        if (data.isEmpty()) {
            return;
        }
        audits++;
        Map<String, Object> manifest = JSON.readValue(data.get(), Map.class);
        Map<String, Long> vectors = new HashMap<>();
        List<Map<String, Object>> sealed = new ArrayList<>();
        // A format 2 manifest names its older sealed shards through shard lists: a reader follows
        // them first, each checked against its recorded sha256.
        for (Map<String, Object> list :
                (List<Map<String, Object>>) manifest.getOrDefault("shardLists", List.of())) {
            Optional<byte[]> bytes = delegate.find((String) list.get("file"));
            if (bytes.isEmpty() || !sha256(bytes.get()).equals(list.get("sha256"))) {
                violations.add(
                        "after " + after + ": manifest names missing or other " + list.get("file"));
                continue;
            }
            sealed.addAll(JSON.readValue(bytes.get(), List.class));
        }
        sealed.addAll((List<Map<String, Object>>) manifest.get("shards"));
        for (List<Map<String, Object>> section :
                List.of(sealed, (List<Map<String, Object>>) manifest.get("openSegments"))) {
            for (Map<String, Object> entry : section) {
                String file = (String) entry.get("file");
                long count = ((Number) entry.get("vectors")).longValue();
                Optional<byte[]> shard = delegate.find(file);
                Optional<byte[]> ids = delegate.find((String) entry.get("idsFile"));
                if (shard.isEmpty() || ids.isEmpty()) {
                    violations.add(
                            "after "
                                    + after
                                    + ": manifest names missing "
                                    + (shard.isEmpty() ? file : entry.get("idsFile")));
                    continue;
                }
                if (!sha256(shard.get()).equals(entry.get("sha256"))) {
                    violations.add(
                            "after "
                                    + after
                                    + ": checksum of "
                                    + file
                                    + " differs from the manifest");
                }
                if (IdFile.read(ids.get()).size() != count) {
                    violations.add(
                            "after "
                                    + after
                                    + ": "
                                    + entry.get("idsFile")
                                    + " does not hold "
                                    + count
                                    + " ids");
                }
                vectors.merge((String) entry.get("type"), count, Long::sum);
            }
        }
        promisedVectors.forEach(
                (type, promised) -> {
                    long now = vectors.getOrDefault(type, 0L);
                    if (now < promised) {
                        violations.add(
                                "after "
                                        + after
                                        + ": manifest offers "
                                        + now
                                        + " "
                                        + type
                                        + " vectors, "
                                        + promised
                                        + " before");
                    }
                });
        vectors.forEach((type, count) -> promisedVectors.merge(type, count, Math::max));
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
