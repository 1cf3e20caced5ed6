package dev.faissshard.testsupabase;

import dev.faissshard.index.IdFile;
import dev.faissshard.shard.faiss.FaissIndex;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an index back from the emulator's bucket the way a consumer would: through the manifest,
 * checking every checksum, and returns each index type's vectors by FAISS id, in index order.
 */
public final class BucketIndex {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private BucketIndex() {}

    /**
     * One index type as stored.
     *
     * @param vectors vector bytes by FAISS id, in index order; a duplicate id fails the read
     * @param catalogIds catalogue ids in index order
     */
    public record Contents(
            Map<Long, float[]> vectors, List<String> catalogIds, int shards, int segments) {}

    @SuppressWarnings("unchecked")
    public static Contents read(Map<String, byte[]> objects, String prefix, String type) {
        String root = prefix.isEmpty() ? "" : prefix + "/";
        Map<String, Object> manifest =
                JSON.readValue(require(objects, root + "faiss/manifest.json"), Map.class);
        Map<Long, float[]> vectors = new LinkedHashMap<>();
        List<String> catalogIds = new java.util.ArrayList<>();
        int shards = 0;
        int segments = 0;
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get(section)) {
                if (!type.equals(entry.get("type"))) {
                    continue;
                }
                byte[] data = require(objects, root + entry.get("file"));
                if (!sha256(data).equals(entry.get("sha256"))) {
                    throw new AssertionError("checksum mismatch for " + entry.get("file"));
                }
                List<IdFile.Entry> ids = IdFile.read(require(objects, root + entry.get("idsFile")));
                try (FaissIndex index = FaissIndex.fromBytes(data)) {
                    FaissIndex.ExportedVectors exported = index.export();
                    int dimension = index.dimension();
                    long[] stored = exported.ids();
                    if (stored.length != ids.size()) {
                        throw new AssertionError(
                                "id file and shard disagree for " + entry.get("file"));
                    }
                    for (int i = 0; i < stored.length; i++) {
                        float[] vector = new float[dimension];
                        System.arraycopy(exported.vectors(), i * dimension, vector, 0, dimension);
                        if (vectors.put(stored[i], vector) != null) {
                            throw new AssertionError(
                                    "id " + stored[i] + " stored twice in " + type);
                        }
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
        return new Contents(vectors, catalogIds, shards, segments);
    }

    private static byte[] require(Map<String, byte[]> objects, String key) {
        byte[] data = objects.get(key);
        if (data == null) {
            throw new AssertionError("missing object " + key);
        }
        return data;
    }

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
