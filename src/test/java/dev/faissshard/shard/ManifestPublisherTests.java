package dev.faissshard.shard;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.faissshard.progress.Progress;
import dev.faissshard.progress.ProgressStore;
import dev.faissshard.storage.LocalStorageClient;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * faiss/manifest.json is what readers (most of them Python) follow, so its format is pinned: the
 * manifest derived from the committed progress fixture must equal the committed manifest fixture.
 */
class ManifestPublisherTests {

    private static final Instant PUBLISHED = Instant.parse("2026-11-25T10:00:00Z");

    private final JsonMapper json = JsonMapper.builder().build();
    private final ManifestPublisher publisher = new ManifestPublisher(json, Clock.fixed(PUBLISHED, ZoneOffset.UTC));

    @TempDir
    Path dir;

    @Test
    void manifestOfTheVersionOneProgressIsTheVersionOneManifest() throws IOException {
        LocalStorageClient storage = new LocalStorageClient(dir);
        Progress progress = storedProgress(storage);
        publisher.publish(IndexLayout.at("shop"), progress.indexes(), storage);
        byte[] published = Files.readAllBytes(dir.resolve("shop/faiss/manifest.json"));
        assertThat(json.readTree(published)).isEqualTo(json.readTree(fixture("manifest-v1.json")));
    }

    @Test
    void manifestNamesTheModelAndSettingsOfEveryShard() throws IOException {
        Progress progress = storedProgress(new LocalStorageClient(dir));
        Manifest manifest = publisher.manifest(progress.indexes());
        assertThat(manifest.formatVersion()).isEqualTo(Manifest.FORMAT_VERSION).isEqualTo(1);
        assertThat(manifest.shards()).isNotEmpty().allSatisfy(shard -> {
            assertThat(shard.file()).matches("faiss/(color|structure|combined)_shard_\\d{3}\\.faiss");
            assertThat(shard.sha256()).hasSize(64);
            assertThat(shard.modelSha256()).isNotBlank();
            assertThat(shard.idsFile()).endsWith(".ids.tsv");
        });
        assertThat(manifest.openSegments()).allSatisfy(segment -> assertThat(segment.factory()).isEqualTo("IDMap,Flat"));
    }

    private Progress storedProgress(LocalStorageClient storage) throws IOException {
        storage.replace("shop/progress.json", fixture("progress-v1.json"), "application/json");
        return new ProgressStore(json).load(IndexLayout.at("shop"), storage).orElseThrow();
    }

    private static byte[] fixture(String name) throws IOException {
        try (InputStream in = ManifestPublisherTests.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IOException("missing fixture " + name);
            }
            return in.readAllBytes();
        }
    }
}
