package dev.faissshard.testimages;

import dev.faissshard.index.IdFile;
import dev.faissshard.shard.faiss.FaissIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an index back from a local storage directory the way a consumer would: through the
 * manifest, checking every checksum, and returns each index type's ids in order (sealed shards,
 * then open segments).
 */
public final class StoredIndex {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private StoredIndex() {}

    /** One index type as stored. */
    public record Contents(
            List<Long> faissIds,
            List<String> catalogIds,
            int shards,
            int segments,
            int dimension) {}

    /** One index type's vectors as stored, row-major, with the catalogue id of each row. */
    public record Vectors(List<String> catalogIds, int dimension, float[] values) {

        public float[] row(int i) {
            return java.util.Arrays.copyOfRange(values, i * dimension, (i + 1) * dimension);
        }
    }

    /**
     * The manifest as a consumer reads it: with a format 2 manifest's shard lists followed (each
     * checked against its recorded sha256), so {@code shards} holds every sealed shard, the older
     * ones first.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> manifest(Path root) throws IOException {
        Map<String, Object> manifest =
                JSON.readValue(root.resolve("faiss/manifest.json").toFile(), Map.class);
        List<Map<String, Object>> lists =
                (List<Map<String, Object>>) manifest.getOrDefault("shardLists", List.of());
        if (lists.isEmpty()) {
            return manifest;
        }
        List<Map<String, Object>> sealed = new ArrayList<>();
        for (Map<String, Object> list : lists) {
            byte[] data = Files.readAllBytes(root.resolve((String) list.get("file")));
            if (!sha256(data).equals(list.get("sha256"))) {
                throw new IllegalStateException(list.get("file") + " differs from the manifest");
            }
            sealed.addAll(JSON.readValue(data, List.class));
        }
        sealed.addAll((List<Map<String, Object>>) manifest.get("shards"));
        Map<String, Object> followed = new java.util.LinkedHashMap<>(manifest);
        followed.put("shards", sealed);
        return followed;
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> progress(Path root) throws IOException {
        return JSON.readValue(root.resolve("progress.json").toFile(), Map.class);
    }

    /**
     * The failures an index records, as its stored format defines them, read independently of the
     * service's reader: the inline {@code failures} map of a version-1 {@code progress.json}, then
     * each failure-log object it names, in order, one JSON object per line, later lines winning and
     * a {@code cleared} line removing the id.
     */
    public static Map<String, Map<String, Object>> failures(Path root) throws IOException {
        return failures(
                key -> {
                    try {
                        return Files.readAllBytes(root.resolve(key));
                    } catch (IOException ex) {
                        throw new java.io.UncheckedIOException(ex);
                    }
                });
    }

    /** {@link #failures(Path)} over any store: {@code get} reads a key relative to the index. */
    @SuppressWarnings("unchecked")
    public static Map<String, Map<String, Object>> failures(
            java.util.function.Function<String, byte[]> get) {
        Map<String, Object> progress = JSON.readValue(get.apply("progress.json"), Map.class);
        Map<String, Map<String, Object>> failures = new java.util.TreeMap<>();
        Object inline = progress.get("failures");
        if (inline != null) {
            failures.putAll((Map<String, Map<String, Object>>) inline);
        }
        Object log = progress.get("failureLog");
        for (Map<String, Object> record :
                log == null ? List.<Map<String, Object>>of() : (List<Map<String, Object>>) log) {
            String text =
                    new String(
                            get.apply((String) record.get("file")),
                            java.nio.charset.StandardCharsets.UTF_8);
            for (String line : text.split("\n")) {
                if (line.isEmpty()) {
                    continue;
                }
                Map<String, Object> entry = JSON.readValue(line, Map.class);
                String id = (String) entry.remove("id");
                if (Boolean.TRUE.equals(entry.remove("cleared"))) {
                    failures.remove(id);
                } else {
                    failures.put(id, entry);
                }
            }
        }
        return failures;
    }

    @SuppressWarnings("unchecked")
    public static Contents read(Path root, String type) throws IOException {
        Map<String, Object> manifest = manifest(root);
        List<Long> faissIds = new ArrayList<>();
        List<String> catalogIds = new ArrayList<>();
        int shards = 0;
        int segments = 0;
        int dimension = -1;
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get(section)) {
                if (!type.equals(entry.get("type"))) {
                    continue;
                }
                byte[] data = Files.readAllBytes(root.resolve((String) entry.get("file")));
                if (!sha256(data).equals(entry.get("sha256"))) {
                    throw new AssertionError("checksum mismatch for " + entry.get("file"));
                }
                List<IdFile.Entry> ids =
                        IdFile.read(
                                Files.readAllBytes(root.resolve((String) entry.get("idsFile"))));
                try (FaissIndex index = FaissIndex.fromBytes(data)) {
                    if (index.count() != ((Number) entry.get("vectors")).longValue()
                            || index.count() != ids.size()) {
                        throw new AssertionError("vector count mismatch for " + entry.get("file"));
                    }
                    dimension = index.dimension();
                    long[] stored;
                    if (index.mergesCodes()) {
                        // An IVF shard lists its ids list after list; its id file lists its adds.
                        long[] held = index.ids();
                        stored = ids.stream().mapToLong(IdFile.Entry::faissId).toArray();
                        long[] listed = stored.clone();
                        java.util.Arrays.sort(held);
                        java.util.Arrays.sort(listed);
                        if (!java.util.Arrays.equals(held, listed)) {
                            throw new AssertionError(
                                    "id file and shard hold different ids for "
                                            + entry.get("file"));
                        }
                    } else {
                        stored = index.export().ids();
                    }
                    for (int i = 0; i < stored.length; i++) {
                        if (stored[i] != ids.get(i).faissId()) {
                            throw new AssertionError(
                                    "id file out of order for " + entry.get("file"));
                        }
                        faissIds.add(stored[i]);
                        catalogIds.add(ids.get(i).catalogId());
                    }
                }
                if (section.equals("shards")) {
                    shards++;
                } else {
                    segments++;
                }
            }
        }
        return new Contents(faissIds, catalogIds, shards, segments, dimension);
    }

    /** Every vector of one index type, checked like {@link #read}, in the same order. */
    @SuppressWarnings("unchecked")
    public static Vectors vectors(Path root, String type) throws IOException {
        Contents contents = read(root, type);
        float[] values =
                new float[contents.catalogIds().size() * Math.max(0, contents.dimension())];
        int offset = 0;
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry :
                    (List<Map<String, Object>>) manifest(root).get(section)) {
                if (type.equals(entry.get("type"))) {
                    try (FaissIndex index =
                            FaissIndex.read(root.resolve((String) entry.get("file")))) {
                        float[] stored = index.export().vectors();
                        System.arraycopy(stored, 0, values, offset, stored.length);
                        offset += stored.length;
                    }
                }
            }
        }
        return new Vectors(contents.catalogIds(), contents.dimension(), values);
    }

    /**
     * The vector of each catalogue id of one type that no tombstone of the manifest names (the
     * vector of that id in that file), read from the files the manifest names, checked like {@link
     * #read}; fails on an id live twice.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, float[]> live(Path root, String type) throws IOException {
        read(root, type);
        Map<String, Object> manifest = manifest(root);
        java.util.Set<String> dead = new java.util.HashSet<>();
        for (Map<String, Object> tombstone :
                (List<Map<String, Object>>) manifest.getOrDefault("tombstones", List.of())) {
            if (type.equals(tombstone.get("type"))) {
                dead.add(tombstone.get("file") + "#" + tombstone.get("id"));
            }
        }
        Map<String, float[]> live = new java.util.HashMap<>();
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get(section)) {
                if (!type.equals(entry.get("type"))) {
                    continue;
                }
                List<IdFile.Entry> ids =
                        IdFile.read(
                                Files.readAllBytes(root.resolve((String) entry.get("idsFile"))));
                try (FaissIndex index = FaissIndex.read(root.resolve((String) entry.get("file")))) {
                    var exported = index.export();
                    int d = exported.dimension();
                    for (int row = 0; row < ids.size(); row++) {
                        if (dead.contains(entry.get("file") + "#" + ids.get(row).faissId())) {
                            continue;
                        }
                        float[] vector =
                                java.util.Arrays.copyOfRange(
                                        exported.vectors(), row * d, (row + 1) * d);
                        if (live.put(ids.get(row).catalogId(), vector) != null) {
                            throw new AssertionError(
                                    type + ": " + ids.get(row).catalogId() + " is live twice");
                        }
                    }
                }
            }
        }
        return live;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
