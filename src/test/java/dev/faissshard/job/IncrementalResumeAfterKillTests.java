package dev.faissshard.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.shard.faiss.FaissIndex;
import dev.faissshard.testimages.ImageServer;
import dev.faissshard.testimages.ProductImageGenerator;
import dev.faissshard.testimages.StoredIndex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills the service (SIGKILL, a separate JVM, as {@link ResumeAfterKillTests} does) during an
 * incremental job, a delete and a compaction, then reruns each: after every step the manifest names
 * only objects that exist and holds every live vector exactly once, and the end state is the
 * catalogue exactly, without the deleted rows, in about {@code vectors / capacity} shards.
 */
class IncrementalResumeAfterKillTests {

    private static final String[] TYPES = {"color", "structure", "combined"};

    /** {@link ServiceProcess}'s {@code fsb.shard.max-vectors}. */
    private static final int CAPACITY = 70;

    @TempDir Path dir;

    @Test
    void killedIncrementalDeleteAndCompactionJobsEndExactlyOnce() throws Exception {
        try (ImageServer server = new ImageServer()) {
            for (int i = 0; i < 200; i++) {
                server.put(
                        "/p/" + i + ".jpg",
                        new ImageServer.Resource(
                                200,
                                "image/jpeg",
                                ProductImageGenerator.jpeg(
                                        ProductImageGenerator.render(
                                                ProductImageGenerator.catalogueSpec(i), 96),
                                        0.85f),
                                10));
            }
            Path storage = dir.resolve("storage");
            Path catalog = dir.resolve("catalog.csv");

            // A first job of 100 rows, to its end: one full shard and an open tail of 30.
            writeCatalogue(server, catalog, rows(0, 100));
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                assertThat(service.awaitFinished(service.postJob()).get("state"))
                        .isEqualTo("SUCCEEDED");
            }
            assertExactlyOnce(storage, rows(0, 100));

            // An incremental job of 100 more rows, killed after a few of its batches.
            writeCatalogue(server, catalog, rows(0, 200));
            long before = nextBatch(storage);
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                service.postJob();
                service.awaitBatches(storage, before + 3);
                service.kill();
            }
            Set<String> built = assertExactlyOnce(storage, null);
            assertThat(built).hasSizeGreaterThan(100);

            // A delete of ten built rows, killed as soon as it is accepted, then run again.
            List<String> deleted = new ArrayList<>(built).subList(0, 10);
            String delete =
                    "{\"operation\":\"delete\",\"deleteIds\":["
                            + deleted.stream()
                                    .map(id -> "\"" + id + "\"")
                                    .collect(Collectors.joining(","))
                            + "]}";
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                service.postJob(delete);
                service.kill();
            }
            assertExactlyOnce(storage, null);
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                assertThat(service.awaitFinished(service.postJob(delete)).get("state"))
                        .isEqualTo("SUCCEEDED");

                // A compaction, killed once its first new shard is stored (or, on a machine fast
                // enough to finish first, at once after).
                Set<String> shardsBefore = shardObjects(storage);
                service.postJob("{\"operation\":\"compact\"}");
                awaitNewShard(storage, shardsBefore);
                service.kill();
            }
            Set<String> live = assertExactlyOnce(storage, null);
            assertThat(live).doesNotContainAnyElementsOf(deleted);

            // The rows deleted leave the catalogue; the compaction and the killed build are rerun.
            List<String> remaining = rows(0, 200);
            remaining.removeAll(deleted);
            writeCatalogue(server, catalog, remaining);
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                assertThat(
                                service.awaitFinished(
                                                service.postJob("{\"operation\":\"compact\"}"))
                                        .get("state"))
                        .isEqualTo("SUCCEEDED");
                assertExactlyOnce(storage, null);
                assertThat(service.awaitFinished(service.postJob()).get("state"))
                        .isEqualTo("SUCCEEDED");
            }
            assertExactlyOnce(storage, remaining);
            for (String type : TYPES) {
                int shards = StoredIndex.read(storage, type).shards();
                assertThat(shards)
                        .as("%s shards for %d vectors", type, remaining.size())
                        .isBetween(
                                remaining.size() / CAPACITY - 1, remaining.size() / CAPACITY + 1);
            }
            Map<String, Object> manifest = StoredIndex.manifest(storage);
            assertThat(shardObjects(storage))
                    .as("no leftovers of killed runs")
                    .isEqualTo(namedShardFiles(manifest));
        }
    }

    /**
     * A trained factory ({@code IVF4,SQ8}): a compaction that merges shards' codes and removes
     * tombstoned ids is killed once its first new shard is stored, then run again. After each step
     * the manifest names only objects that exist and holds every live vector once; at the end every
     * shard opens in FAISS with as many vectors as its id file lists and names the one training.
     */
    @Test
    @SuppressWarnings("unchecked")
    void killedTrainedCompactionEndsExactlyOnceOnOneTraining() throws Exception {
        String[] trained = {"--fsb.shard.factory=IVF4,SQ8", "--fsb.shard.training-sample=160"};
        try (ImageServer server = new ImageServer()) {
            for (int i = 0; i < 200; i++) {
                server.put(
                        "/p/" + i + ".jpg",
                        new ImageServer.Resource(
                                200,
                                "image/jpeg",
                                ProductImageGenerator.jpeg(
                                        ProductImageGenerator.render(
                                                ProductImageGenerator.catalogueSpec(i), 96),
                                        0.85f),
                                10));
            }
            Path storage = dir.resolve("storage");
            Path catalog = dir.resolve("catalog.csv");

            // One job to its end: trained on 160 vectors, two full shards and an open tail of 60.
            writeCatalogue(server, catalog, rows(0, 200));
            List<String> deleted = new ArrayList<>();
            for (int i = 0; i < 200; i += 13) {
                deleted.add(rows(0, 200).get(i));
            }
            String delete =
                    "{\"operation\":\"delete\",\"deleteIds\":["
                            + deleted.stream()
                                    .map(id -> "\"" + id + "\"")
                                    .collect(Collectors.joining(","))
                            + "]}";
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog, trained)) {
                assertThat(service.awaitFinished(service.postJob()).get("state"))
                        .isEqualTo("SUCCEEDED");
                assertThat(service.awaitFinished(service.postJob(delete)).get("state"))
                        .isEqualTo("SUCCEEDED");
                Set<String> shardsBefore = shardObjects(storage);
                service.postJob("{\"operation\":\"compact\"}");
                awaitNewShard(storage, shardsBefore);
                service.kill();
            }
            List<String> remaining = rows(0, 200);
            remaining.removeAll(deleted);
            assertExactlyOnce(storage, remaining);

            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog, trained)) {
                assertThat(
                                service.awaitFinished(
                                                service.postJob("{\"operation\":\"compact\"}"))
                                        .get("state"))
                        .isEqualTo("SUCCEEDED");
            }
            assertExactlyOnce(storage, remaining);
            Map<String, Object> manifest = StoredIndex.manifest(storage);
            Set<String> objects = shardObjects(storage);
            // The trained indexes stay beside the shards: every shard starts from them.
            objects.removeIf(name -> name.endsWith("_trained.faiss"));
            assertThat(objects)
                    .as("no leftovers of the killed compaction")
                    .isEqualTo(namedShardFiles(manifest));
            Map<String, Map<String, Object>> indexes =
                    (Map<String, Map<String, Object>>) StoredIndex.progress(storage).get("indexes");
            for (String type : TYPES) {
                String training =
                        (String)
                                ((Map<String, Object>) indexes.get(type).get("trained"))
                                        .get("sha256");
                List<Map<String, Object>> shards =
                        (List<Map<String, Object>>) indexes.get(type).get("sealedShards");
                assertThat(shards)
                        .as("%s shards for %d vectors", type, remaining.size())
                        .hasSize((remaining.size() + CAPACITY - 1) / CAPACITY);
                for (Map<String, Object> shard : shards) {
                    assertThat(shard.get("trainedSha256")).isEqualTo(training);
                    assertThat(shard.get("doneBitmap")).isNotNull();
                    try (FaissIndex index =
                            FaissIndex.fromBytes(
                                    Files.readAllBytes(
                                            storage.resolve((String) shard.get("file"))))) {
                        assertThat(index.count())
                                .isEqualTo(
                                        Files.readAllLines(
                                                        storage.resolve(
                                                                (String) shard.get("idsFile")))
                                                .size());
                    }
                }
            }
        }
    }

    /**
     * Rows whose image URL changed, in the open tail and in a sealed shard, with the job that
     * re-embeds them killed part-way and run again: every row is live exactly once after each step,
     * a changed row's live vector is at the end that of its new image (equal to a reference row
     * embedded from it), and a further job has nothing to embed.
     */
    @Test
    void killedUpdateJobReembedsEachChangedRowExactlyOnce() throws Exception {
        try (ImageServer server = new ImageServer()) {
            for (int i = 0; i < 200; i++) {
                server.put(
                        "/p/" + i + ".jpg",
                        new ImageServer.Resource(
                                200,
                                "image/jpeg",
                                ProductImageGenerator.jpeg(
                                        ProductImageGenerator.render(
                                                ProductImageGenerator.catalogueSpec(i), 96),
                                        0.85f),
                                10));
            }
            Path storage = dir.resolve("storage");
            Path catalog = dir.resolve("catalog.csv");
            Map<String, Integer> rows = new java.util.LinkedHashMap<>();
            List<String> ids = rows(0, 100);
            for (int i = 0; i < ids.size(); i++) {
                rows.put(ids.get(i), i);
            }
            // Reference rows: fresh embeddings of images the updates will point to.
            Map<String, String> references = new java.util.HashMap<>();
            for (int i : new int[] {0, 3, 96, 99}) {
                rows.put("ref-" + i, 100 + i);
                references.put(ids.get(i), "ref-" + i);
            }
            writeImages(server, catalog, rows);
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                assertThat(service.awaitFinished(service.postJob()).get("state"))
                        .isEqualTo("SUCCEEDED");
            }
            Set<String> all = assertExactlyOnce(storage, List.copyOf(rows.keySet()));
            Map<String, float[]> before = StoredIndex.live(storage, "combined");

            // Every third row now points to another image: 34 rows in the sealed shard (70) and
            // the open tail (35).
            List<String> changed = new ArrayList<>();
            for (int i = 0; i < ids.size(); i += 3) {
                rows.put(ids.get(i), 100 + i);
                changed.add(ids.get(i));
            }
            writeImages(server, catalog, rows);
            long batches = nextBatch(storage);
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                service.postJob();
                service.awaitBatches(storage, batches + 2);
                service.kill();
            }
            assertExactlyOnce(storage, List.copyOf(all));
            try (ServiceProcess service = ServiceProcess.start(dir, storage, catalog)) {
                assertThat(service.awaitFinished(service.postJob()).get("state"))
                        .isEqualTo("SUCCEEDED");
                assertExactlyOnce(storage, List.copyOf(all));
                @SuppressWarnings("unchecked")
                Map<String, Object> counts =
                        (Map<String, Object>)
                                service.awaitFinished(service.postJob()).get("counts");
                assertThat(counts.get("embedded")).as("nothing left to re-embed").isEqualTo(0);
            }
            for (String type : TYPES) {
                Map<String, float[]> live = StoredIndex.live(storage, type);
                assertThat(live.keySet()).containsExactlyInAnyOrderElementsOf(all);
                references.forEach(
                        (id, reference) ->
                                assertThat(live.get(id))
                                        .as("%s vector of %s", type, id)
                                        .containsExactly(live.get(reference)));
            }
            Map<String, float[]> after = StoredIndex.live(storage, "combined");
            for (String id : all) {
                if (changed.contains(id)) {
                    assertThat(after.get(id)).as("%s re-embedded", id).isNotEqualTo(before.get(id));
                } else {
                    assertThat(after.get(id))
                            .as("%s untouched", id)
                            .containsExactly(before.get(id));
                }
            }
        }
    }

    private static void writeImages(ImageServer server, Path catalog, Map<String, Integer> rows)
            throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        rows.forEach(
                (id, image) ->
                        csv.append(id)
                                .append(',')
                                .append(server.url("/p/" + image + ".jpg"))
                                .append('\n'));
        Files.writeString(catalog, csv);
    }

    /**
     * Checks the published index: every object it names exists with its checksum ({@link
     * StoredIndex#read}), and its live ids (without tombstoned vectors) are distinct, the same for
     * every type, and equal to {@code expected} when given. Returns them.
     */
    @SuppressWarnings("unchecked")
    private static Set<String> assertExactlyOnce(Path storage, List<String> expected)
            throws IOException {
        Map<String, Object> manifest = StoredIndex.manifest(storage);
        Set<String> dead = new HashSet<>();
        for (Map<String, Object> tombstone :
                (List<Map<String, Object>>) manifest.getOrDefault("tombstones", List.of())) {
            dead.add(
                    tombstone.get("type")
                            + "#"
                            + tombstone.get("file")
                            + "#"
                            + tombstone.get("id"));
        }
        Set<String> first = null;
        for (String type : TYPES) {
            StoredIndex.read(storage, type); // every named object exists and matches
            List<String> live = new ArrayList<>();
            for (String section : List.of("shards", "openSegments")) {
                for (Map<String, Object> entry :
                        (List<Map<String, Object>>) manifest.get(section)) {
                    if (!type.equals(entry.get("type"))) {
                        continue;
                    }
                    for (String line :
                            Files.readAllLines(storage.resolve((String) entry.get("idsFile")))) {
                        String[] columns = line.split("\t");
                        if (!dead.contains(type + "#" + entry.get("file") + "#" + columns[0])) {
                            live.add(columns[1]);
                        }
                    }
                }
            }
            assertThat(live).as("%s live ids", type).doesNotHaveDuplicates();
            Set<String> ids = new LinkedHashSet<>(live);
            if (expected != null) {
                assertThat(ids).as("%s ids", type).containsExactlyInAnyOrderElementsOf(expected);
            }
            if (first == null) {
                first = ids;
            } else {
                assertThat(ids).as("%s ids equal color's", type).isEqualTo(first);
            }
        }
        return first;
    }

    private static void awaitNewShard(Path storage, Set<String> before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            Set<String> now = shardObjects(storage);
            now.removeAll(before);
            if (!now.isEmpty()) {
                return;
            }
            Thread.sleep(2);
        }
        throw new AssertionError("the compaction stored no shard within 60 s");
    }

    private static Set<String> shardObjects(Path storage) throws IOException {
        Set<String> files = new HashSet<>();
        for (String folder : List.of("faiss", "faiss/open")) {
            Path path = storage.resolve(folder);
            if (!Files.isDirectory(path)) {
                continue;
            }
            try (Stream<Path> list = Files.list(path)) {
                list.filter(Files::isRegularFile)
                        .map(file -> storage.relativize(file).toString())
                        .filter(name -> name.endsWith(".faiss") || name.endsWith(".ids.tsv"))
                        .forEach(files::add);
            }
        }
        return files;
    }

    @SuppressWarnings("unchecked")
    private static Set<String> namedShardFiles(Map<String, Object> manifest) {
        Set<String> files = new HashSet<>();
        for (String section : List.of("shards", "openSegments")) {
            for (Map<String, Object> entry : (List<Map<String, Object>>) manifest.get(section)) {
                files.add((String) entry.get("file"));
                files.add((String) entry.get("idsFile"));
            }
        }
        return files;
    }

    private static long nextBatch(Path storage) throws IOException {
        return ((Number) StoredIndex.progress(storage).get("nextBatch")).longValue();
    }

    private static List<String> rows(int from, int to) {
        List<String> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            ids.add(i % 2 == 0 ? String.valueOf(3000 + i) : "sku-" + i);
        }
        return ids;
    }

    private static void writeCatalogue(ImageServer server, Path catalog, List<String> ids)
            throws IOException {
        StringBuilder csv = new StringBuilder("id,image_url\n");
        for (String id : ids) {
            int row =
                    id.startsWith("sku-")
                            ? Integer.parseInt(id.substring(4))
                            : Integer.parseInt(id) - 3000;
            csv.append(id).append(',').append(server.url("/p/" + row + ".jpg")).append('\n');
        }
        Files.writeString(catalog, csv);
    }
}
