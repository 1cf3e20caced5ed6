package dev.faissshard.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.storage.LocalStorageClient;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * faiss/manifest.json is what readers (most of them Python) follow, so its format is pinned: the
 * manifest derived from the committed progress fixture must equal the committed manifest fixture.
 */
class ManifestPublisherTests {

    private static final Instant PUBLISHED = Instant.parse("2026-11-25T10:00:00Z");

    private final JsonMapper json = JsonMapper.builder().build();
    private final ManifestPublisher publisher =
            new ManifestPublisher(json, Clock.fixed(PUBLISHED, ZoneOffset.UTC));

    @TempDir Path dir;

    @Test
    void manifestOfTheVersionOneProgressIsTheVersionOneManifest() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        Progress progress = storedProgress(storage);
        publisher.publish(IndexLayout.at("shop"), progress.indexes(), storage);
        byte[] published = Files.readAllBytes(dir.resolve("shop/faiss/manifest.json"));
        // The committed fixture predates "complete" (absent means false, as the read-back test
        // shows); a
        // manifest published outside a finished job says false explicitly.
        tools.jackson.databind.node.ObjectNode expected =
                (tools.jackson.databind.node.ObjectNode) json.readTree(fixture("manifest-v1.json"));
        expected.put("complete", false);
        // Format 2 names the older sealed shards through shard lists; with fewer sealed shards
        // than one list holds, every field is the same as in format 1.
        expected.put("formatVersion", 2);
        assertThat(json.readTree(published)).isEqualTo(expected);
    }

    @Test
    void manifestNamesTheModelAndSettingsOfEveryShard() throws IOException {
        Progress progress = storedProgress(new LocalStorageClient(dir));
        Manifest manifest = publisher.manifest(progress.indexes());
        assertThat(manifest.formatVersion()).isEqualTo(Manifest.FORMAT_VERSION).isEqualTo(2);
        assertThat(manifest.shards())
                .isNotEmpty()
                .allSatisfy(
                        shard -> {
                            assertThat(shard.file())
                                    .matches(
                                            "faiss/(color|structure|combined)_shard_\\d{3}\\.faiss");
                            assertThat(shard.sha256()).hasSize(64);
                            assertThat(shard.modelSha256()).isNotBlank();
                            assertThat(shard.idsFile()).endsWith(".ids.tsv");
                        });
        assertThat(manifest.openSegments())
                .allSatisfy(segment -> assertThat(segment.factory()).isEqualTo("IDMap,Flat"));
    }

    @Test
    void theVersionOneManifestReadsBackAgreesWithItsProgressAndIsRepublishedAsVersionTwo()
            throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        Progress progress = storedProgress(storage);
        storage.replace(
                "shop/faiss/manifest.json", fixture("manifest-v1.json"), "application/json");
        IndexLayout layout = IndexLayout.at("shop");
        Manifest read = publisher.read(layout, storage).orElseThrow();
        Manifest derived = publisher.manifest(progress.indexes());
        assertThat(read.formatVersion()).isEqualTo(1);
        assertThat(publisher.sealedShards(read, layout, storage)).isEqualTo(derived.shards());
        assertThat(read.openSegments()).isEqualTo(derived.openSegments());
        assertThat(publisher.publishedKeys(layout, storage))
                .contains(
                        "shop/faiss/color_shard_001.faiss",
                        "shop/faiss/color_shard_001.ids.tsv",
                        "shop/faiss/open/color_shard_002_batch_000041.faiss");
        assertThat(publisher.republishIfStale(layout, progress.indexes(), storage))
                .as("an older format")
                .isTrue();
        assertThat(publisher.republishIfStale(layout, progress.indexes(), storage))
                .as("already level")
                .isFalse();
        assertThat(publisher.read(layout, storage).orElseThrow().shards()).isEqualTo(read.shards());
    }

    @Test
    void aManifestBehindItsProgressIsRepublished() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        Progress progress = storedProgress(storage);
        IndexLayout layout = IndexLayout.at("shop");
        assertThat(publisher.republishIfStale(layout, progress.indexes(), storage))
                .as("missing manifest")
                .isTrue();
        storage.replace(
                "shop/faiss/manifest.json",
                json.writeValueAsBytes(publisher.manifest(java.util.Map.of())),
                "application/json");
        assertThat(publisher.republishIfStale(layout, progress.indexes(), storage))
                .as("lagging manifest")
                .isTrue();
        assertThat(publisher.read(layout, storage))
                .contains(publisher.manifest(progress.indexes()));
        storage.replace("shop/faiss/manifest.json", "{not json".getBytes(), "application/json");
        assertThat(publisher.read(layout, storage)).isEmpty();
        assertThat(publisher.republishIfStale(layout, progress.indexes(), storage))
                .as("unreadable manifest")
                .isTrue();
    }

    private Progress storedProgress(LocalStorageClient storage) throws IOException {
        storage.replace("shop/progress.json", fixture("progress-v1.json"), "application/json");
        return new ProgressStore(json).load(IndexLayout.at("shop"), storage).orElseThrow();
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in =
                ManifestPublisherTests.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return in.readAllBytes();
        }
    }
}
