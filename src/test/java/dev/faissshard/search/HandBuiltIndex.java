package dev.faissshard.search;

import dev.faissshard.index.FaissIds;
import dev.faissshard.index.IdFile;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.Manifest;
import dev.faissshard.shard.Metric;
import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.storage.StorageClient;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes an index the way the builder lays it out (flat shards, id files, a manifest) from vectors
 * made up here, so that cache and swap behaviour can be tested without a build.
 */
final class HandBuiltIndex {

    static final int DIMENSION = 16;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final StorageClient storage;
    private final IndexLayout layout;
    private final Random random = new Random(42);
    private final List<Manifest.Entry> shards = new ArrayList<>();
    private final List<Manifest.Entry> segments = new ArrayList<>();
    private int published;

    HandBuiltIndex(StorageClient storage, String prefix) {
        this.storage = storage;
        this.layout = IndexLayout.at(prefix);
    }

    /**
     * Adds a sealed {@code color} shard of {@code count} random unit vectors with ids {@code
     * <tag>-<i>}.
     */
    Manifest.Entry shard(String tag, int count) {
        Manifest.Entry entry =
                write(
                        String.format(Locale.ROOT, "faiss/color_shard_%03d", shards.size() + 1),
                        tag,
                        count);
        shards.add(entry);
        return entry;
    }

    /** Adds an open segment. */
    Manifest.Entry segment(String tag, int count) {
        Manifest.Entry entry =
                write(
                        String.format(
                                Locale.ROOT,
                                "faiss/open/color_shard_%03d_batch_%06d",
                                shards.size() + 1,
                                segments.size() + 1),
                        tag,
                        count);
        segments.add(entry);
        return entry;
    }

    /** Drops the open segments (as a seal does) without deleting their objects. */
    List<Manifest.Entry> clearSegments() {
        List<Manifest.Entry> dropped = List.copyOf(segments);
        segments.clear();
        return dropped;
    }

    void publish() {
        published++;
        Manifest manifest =
                new Manifest(
                        Manifest.FORMAT_VERSION,
                        Instant.ofEpochSecond(1_700_000_000L + published),
                        List.copyOf(shards),
                        List.copyOf(segments),
                        segments.isEmpty());
        storage.replace(layout.manifestKey(), JSON.writeValueAsBytes(manifest), "application/json");
    }

    long vectors() {
        return shards.stream().mapToLong(Manifest.Entry::vectors).sum()
                + segments.stream().mapToLong(Manifest.Entry::vectors).sum();
    }

    String key(Manifest.Entry entry) {
        return layout.absolute(entry.file());
    }

    String idsKey(Manifest.Entry entry) {
        return layout.absolute(entry.idsFile());
    }

    private Manifest.Entry write(String base, String tag, int count) {
        float[] vectors = new float[count * DIMENSION];
        long[] faissIds = new long[count];
        List<IdFile.Entry> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double norm = 0;
            for (int j = 0; j < DIMENSION; j++) {
                vectors[i * DIMENSION + j] = (float) random.nextGaussian();
                norm += vectors[i * DIMENSION + j] * vectors[i * DIMENSION + j];
            }
            for (int j = 0; j < DIMENSION; j++) {
                vectors[i * DIMENSION + j] /= (float) Math.sqrt(norm);
            }
            String id = tag + "-" + i;
            faissIds[i] = FaissIds.of(id);
            ids.add(new IdFile.Entry(faissIds[i], id));
        }
        byte[] data;
        try (FaissIndex index = FaissIndex.create(DIMENSION, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(vectors, faissIds);
            data = index.toBytes();
        }
        storage.replace(layout.absolute(base + ".faiss"), data, "application/octet-stream");
        storage.replace(
                layout.absolute(base + ".ids.tsv"), IdFile.write(ids), "text/tab-separated-values");
        long min = java.util.Arrays.stream(faissIds).min().orElse(0);
        long max = java.util.Arrays.stream(faissIds).max().orElse(0);
        return new Manifest.Entry(
                "color",
                base + ".faiss",
                count,
                data.length,
                sha256(data),
                DIMENSION,
                "INNER_PRODUCT",
                "IDMap,Flat",
                "test-model",
                "0".repeat(64),
                min,
                max,
                base + ".ids.tsv");
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
