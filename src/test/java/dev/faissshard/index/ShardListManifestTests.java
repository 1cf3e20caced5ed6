package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.faissshard.embedding.ModelInfo;
import dev.faissshard.storage.LocalStorageClient;
import dev.faissshard.storage.StorageClient;
import dev.faissshard.storage.StoredObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The manifest rewritten after every batch keeps the older sealed shards in immutable shard-list
 * objects: what it holds inline does not grow with the number of sealed shards, a reader gets every
 * shard back (checked against the recorded sha256), and a publish killed at any write leaves a
 * manifest whose every reference resolves.
 */
class ShardListManifestTests {

    private static final Instant PUBLISHED = Instant.parse("2026-12-02T08:00:00Z");
    private static final List<String> TYPES = List.of("color", "combined", "structure");
    private static final int PER_LIST = ManifestPublisher.SHARDS_PER_LIST;
    private static final IndexLayout LAYOUT = IndexLayout.at("shop");

    private final JsonMapper json = JsonMapper.builder().build();
    private final ManifestPublisher publisher =
            new ManifestPublisher(json, Clock.fixed(PUBLISHED, ZoneOffset.UTC));

    @TempDir Path dir;

    @Test
    void theInlinePartOfTheManifestIsTheSameSizeHoweverManyShardsAreSealed() {
        List<Integer> inlineBytes = new ArrayList<>();
        for (int lists : List.of(1, 10, 100)) {
            LocalStorageClient storage = new LocalStorageClient(dir.resolve("n" + lists));
            int sealed = lists * PER_LIST + 7;
            publisher.publish(LAYOUT, indexes(sealed, 1), storage);
            ObjectNode manifest = (ObjectNode) json.readTree(storage.get(LAYOUT.manifestKey()));
            assertThat(manifest.get("formatVersion").asInt()).isEqualTo(2);
            assertThat(manifest.get("shardLists").size()).isEqualTo(TYPES.size() * lists);
            assertThat(manifest.get("shards").size()).isEqualTo(TYPES.size() * 7);
            manifest.remove("shardLists");
            inlineBytes.add(json.writeValueAsBytes(manifest).length);
        }
        // Same shard count modulo a list, same field widths: the inline part must be
        // byte-for-byte the same size with 39, 327 and 3,207 sealed shards per type.
        assertThat(inlineBytes).containsOnly(inlineBytes.get(0));
    }

    @Test
    void aBatchThatSealsNoFullListWritesOnlyTheManifestAndStaysUnder100KbAtTenMillionIds() {
        // 10 million ids of each of three types in 45 MB shards: about 1,000 shards per type.
        CountingStorage storage = new CountingStorage(new LocalStorageClient(dir));
        int sealed = 1_000;
        publisher.publish(LAYOUT, indexes(sealed, 1), storage);
        storage.written.clear();
        long written = publisher.publish(LAYOUT, indexes(sealed + 1, 1), storage);
        assertThat(storage.written.keySet()).containsExactly(LAYOUT.manifestKey());
        assertThat(written)
                .isEqualTo(storage.written.get(LAYOUT.manifestKey()))
                .isLessThan(100_000);

        // The figures docs/scale.md quotes: 1M, 10M and 100M ids of three types.
        for (int perType : List.of(72, 1_000, 6_700)) {
            CountingStorage figures =
                    new CountingStorage(new LocalStorageClient(dir.resolve("f" + perType)));
            publisher.publish(LAYOUT, indexes(perType, 1), figures);
            System.out.printf(
                    "manifest at %,d sealed shards per type: %,d bytes per batch (format 1: %,d)%n",
                    perType,
                    publisher.publish(LAYOUT, indexes(perType + 1, 1), figures),
                    json.writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(
                                    new Manifest(
                                            1,
                                            PUBLISHED,
                                            publisher.sealedShards(
                                                    publisher.read(LAYOUT, figures).orElseThrow(),
                                                    LAYOUT,
                                                    figures),
                                            publisher
                                                    .manifest(indexes(perType + 1, 1))
                                                    .openSegments(),
                                            false))
                            .length);
        }

        // The seal that fills a list writes that list, once per type, and the manifest.
        storage.written.clear();
        int full = (sealed / PER_LIST + 1) * PER_LIST;
        publisher.publish(LAYOUT, indexes(full, 1), storage);
        assertThat(storage.written.keySet())
                .hasSize(TYPES.size() + 1)
                .allMatch(
                        key ->
                                key.equals(LAYOUT.manifestKey())
                                        || ManifestPublisher.isListKey(LAYOUT, key));
    }

    @Test
    void aReaderGetsEverySealedShardBackInOrderFromListsWhoseSha256TheManifestRecords()
            throws Exception {
        LocalStorageClient storage = new LocalStorageClient(dir);
        int sealed = 3 * PER_LIST + 5;
        publisher.publish(LAYOUT, indexes(sealed, 1), storage);
        Manifest manifest = publisher.read(LAYOUT, storage).orElseThrow();
        for (Manifest.ShardList list : manifest.shardLists()) {
            byte[] data = storage.get(LAYOUT.absolute(list.file()));
            assertThat(sha256(data)).isEqualTo(list.sha256());
            assertThat(list.file()).startsWith("faiss/manifest/" + list.type() + "_shards_");
        }
        List<String> files =
                publisher.sealedShards(manifest, LAYOUT, storage).stream()
                        .map(entry -> entry.type() + " " + entry.file())
                        .toList();
        List<String> expected = new ArrayList<>();
        for (String type : TYPES) {
            for (int shard = 1; shard <= sealed; shard++) {
                expected.add(type + " " + shardFile(type, shard));
            }
        }
        assertThat(files).isEqualTo(expected);
        assertThat(publisher.publishedKeys(LAYOUT, storage))
                .contains(
                        LAYOUT.absolute(shardFile("color", 1)),
                        LAYOUT.absolute(shardFile("structure", sealed)))
                .containsAll(
                        manifest.shardLists().stream()
                                .map(list -> LAYOUT.absolute(list.file()))
                                .toList());
        assertThat(publisher.republishIfStale(LAYOUT, indexes(sealed, 1), storage)).isFalse();
    }

    @Test
    void aShardListThatDoesNotMatchItsRecordedSha256IsRefused() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        publisher.publish(LAYOUT, indexes(PER_LIST, 1), storage);
        Manifest manifest = publisher.read(LAYOUT, storage).orElseThrow();
        String key = LAYOUT.absolute(manifest.shardLists().get(0).file());
        String text = new String(storage.get(key), StandardCharsets.UTF_8);
        storage.replace(
                key,
                text.replace("faiss/color_shard_00002", "faiss/color_shard_00009")
                        .getBytes(StandardCharsets.UTF_8),
                "application/json");
        ManifestPublisher fresh =
                new ManifestPublisher(json, Clock.fixed(PUBLISHED, ZoneOffset.UTC));
        assertThatThrownBy(() -> fresh.sealedShards(manifest, LAYOUT, storage))
                .isInstanceOf(CorruptManifestException.class);
    }

    @Test
    void aPublishKilledAtAnyWriteLeavesAManifestWhoseListsResolveAndRepublishingLevelsIt() {
        // Before: 2 lists per type. After, as a compaction leaves it: the first 64 shards
        // replaced by 40 new ones, so every list changes and the old ones are superseded.
        Map<String, IndexProgress> before = indexes(2 * PER_LIST + 3, 1);
        Map<String, IndexProgress> after = indexes(40 + 3, 1_000);
        List<String> beforeFiles = allFiles(before);
        List<String> afterFiles = allFiles(after);
        LocalStorageClient probe = new LocalStorageClient(dir.resolve("probe"));
        publisher.publish(LAYOUT, before, probe);
        CountingStorage counting = new CountingStorage(probe);
        publisher.publish(LAYOUT, after, counting);
        List<String> operations = counting.operations;
        int manifestAt = operations.indexOf("replace " + LAYOUT.manifestKey());
        assertThat(operations.subList(0, manifestAt)).allMatch(op -> op.startsWith("replace "));
        assertThat(operations.subList(manifestAt + 1, operations.size()))
                .isNotEmpty()
                .allMatch(op -> op.startsWith("delete "));

        for (int kill = 0; kill < operations.size(); kill++) {
            LocalStorageClient disk = new LocalStorageClient(dir.resolve("kill" + kill));
            publisher.publish(LAYOUT, before, disk);
            KilledStorage dying = new KilledStorage(disk, kill);
            assertThatThrownBy(() -> publisher.publish(LAYOUT, after, dying))
                    .isInstanceOf(KilledStorage.Killed.class);
            ManifestPublisher reader =
                    new ManifestPublisher(json, Clock.fixed(PUBLISHED, ZoneOffset.UTC));
            Manifest left = reader.read(LAYOUT, disk).orElseThrow();
            List<String> seen =
                    reader.sealedShards(left, LAYOUT, disk).stream()
                            .map(entry -> entry.type() + " " + entry.file())
                            .toList();
            assertThat(seen).as("killed at write %d", kill).isIn(beforeFiles, afterFiles);

            assertThat(reader.republishIfStale(LAYOUT, after, disk)).isEqualTo(kill <= manifestAt);
            Manifest level = reader.read(LAYOUT, disk).orElseThrow();
            assertThat(
                            reader.sealedShards(level, LAYOUT, disk).stream()
                                    .map(entry -> entry.type() + " " + entry.file())
                                    .toList())
                    .isEqualTo(afterFiles);
            // Anything else left in the list folder is an orphan the next open removes by name.
            Set<String> named =
                    level.shardLists().stream()
                            .map(list -> LAYOUT.absolute(list.file()))
                            .collect(Collectors.toSet());
            assertThat(disk.list(LAYOUT.absolute(ManifestPublisher.LIST_FOLDER)))
                    .map(StoredObject::key)
                    .filteredOn(key -> !named.contains(key))
                    .allMatch(key -> ManifestPublisher.isListKey(LAYOUT, key));
        }
    }

    @Test
    void aFormatOneManifestWithEveryShardInlineStillReadsAndIsRepublishedAsFormatTwo() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        Map<String, IndexProgress> indexes = indexes(PER_LIST + 4, 1);
        List<Manifest.Entry> entries = new ArrayList<>();
        indexes.forEach(
                (type, index) ->
                        index.sealedShards()
                                .forEach(
                                        shard ->
                                                entries.add(
                                                        new Manifest.Entry(
                                                                type,
                                                                shard.file(),
                                                                shard.vectors(),
                                                                shard.bytes(),
                                                                shard.sha256(),
                                                                512,
                                                                "INNER_PRODUCT",
                                                                "IDMap,Flat",
                                                                index.model().id(),
                                                                index.model().sha256(),
                                                                shard.minId(),
                                                                shard.maxId(),
                                                                shard.idsFile()))));
        Manifest formatOne = new Manifest(1, PUBLISHED, entries, List.of(), true);
        storage.replace(
                LAYOUT.manifestKey(), json.writeValueAsBytes(formatOne), "application/json");
        Manifest read = publisher.read(LAYOUT, storage).orElseThrow();
        assertThat(read.formatVersion()).isEqualTo(1);
        assertThat(read.shardLists()).isEmpty();
        assertThat(publisher.sealedShards(read, LAYOUT, storage)).isEqualTo(entries);

        assertThat(publisher.republishIfStale(LAYOUT, indexes, storage)).isTrue();
        Manifest upgraded = publisher.read(LAYOUT, storage).orElseThrow();
        assertThat(upgraded.formatVersion()).isEqualTo(Manifest.FORMAT_VERSION);
        assertThat(upgraded.shardLists()).hasSize(TYPES.size());
        assertThat(publisher.sealedShards(upgraded, LAYOUT, storage)).isEqualTo(entries);
    }

    @Test
    void aManifestOfANewerFormatIsNotRead() {
        LocalStorageClient storage = new LocalStorageClient(dir);
        storage.replace(
                LAYOUT.manifestKey(),
                json.writeValueAsBytes(
                        new Manifest(
                                Manifest.FORMAT_VERSION + 1,
                                PUBLISHED,
                                List.of(),
                                List.of(),
                                true)),
                "application/json");
        assertThat(publisher.read(LAYOUT, storage)).isEmpty();
    }

    private List<String> allFiles(Map<String, IndexProgress> indexes) {
        List<String> files = new ArrayList<>();
        indexes.forEach(
                (type, index) ->
                        index.sealedShards()
                                .forEach(shard -> files.add(type + " " + shard.file())));
        return files;
    }

    /** {@code sealed} sealed shards per type numbered from {@code first}, and two open segments. */
    static Map<String, IndexProgress> indexes(int sealed, int first) {
        Map<String, IndexProgress> indexes = new TreeMap<>();
        for (String type : TYPES) {
            List<ShardRecord> shards = new ArrayList<>();
            for (int i = 0; i < sealed; i++) {
                int shard = first + i;
                shards.add(
                        new ShardRecord(
                                shard,
                                shardFile(type, shard),
                                shardFile(type, shard).replace(".faiss", ".ids.tsv"),
                                10_000,
                                45_000_000,
                                HexFormat.of().formatHex(new byte[32]).substring(8)
                                        + String.format("%08d", shard),
                                1_000_000_000L + shard * 10_000L,
                                1_000_000_000L + shard * 10_000L + 9_999,
                                PUBLISHED));
            }
            List<SegmentRecord> segments = new ArrayList<>();
            for (long batch = 1; batch <= 2; batch++) {
                segments.add(
                        new SegmentRecord(
                                batch,
                                "faiss/open/"
                                        + type
                                        + "_shard_99999_batch_00000"
                                        + batch
                                        + ".faiss",
                                "faiss/open/"
                                        + type
                                        + "_shard_99999_batch_00000"
                                        + batch
                                        + ".ids.tsv",
                                256,
                                526_437,
                                "ab".repeat(32),
                                2_000_000_000L + batch * 256,
                                2_000_000_000L + batch * 256 + 255));
            }
            indexes.put(
                    type,
                    new IndexProgress(
                            new ModelInfo("builtin-" + type + "-v1", "0a".repeat(32), 512),
                            "INNER_PRODUCT",
                            "IDMap,Flat",
                            shards,
                            99_999,
                            segments,
                            null));
        }
        return indexes;
    }

    static String shardFile(String type, int shard) {
        return String.format("faiss/%s_shard_%05d.faiss", type, shard);
    }

    private static String sha256(byte[] data) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** Storage recording every write and delete, in order. */
    private static final class CountingStorage extends ForwardingStorage {

        final Map<String, Long> written = new LinkedHashMap<>();
        final List<String> operations = new ArrayList<>();

        CountingStorage(StorageClient delegate) {
            super(delegate);
        }

        @Override
        public void replace(String key, byte[] data, String contentType) {
            super.replace(key, data, contentType);
            written.merge(key, (long) data.length, Long::sum);
            operations.add("replace " + key);
        }

        @Override
        public void delete(String key) {
            super.delete(key);
            operations.add("delete " + key);
        }
    }

    /** Storage that dies, as a killed process does, before its {@code survive}+1-th change. */
    private static final class KilledStorage extends ForwardingStorage {

        static final class Killed extends RuntimeException {
            private static final long serialVersionUID = 1L;
        }

        private int left;

        KilledStorage(StorageClient delegate, int survive) {
            super(delegate);
            this.left = survive;
        }

        private void change() {
            if (left-- <= 0) {
                throw new Killed();
            }
        }

        @Override
        public void replace(String key, byte[] data, String contentType) {
            change();
            super.replace(key, data, contentType);
        }

        @Override
        public void delete(String key) {
            change();
            super.delete(key);
        }
    }
}
