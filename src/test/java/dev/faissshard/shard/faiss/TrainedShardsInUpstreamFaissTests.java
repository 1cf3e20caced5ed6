package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.shard.ShardWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Trained shards are what autofaiss users merge and serve: each opens in upstream FAISS, and all
 * shards of one training merge with {@code faiss.contrib.ondisk.merge_ondisk} into the stored
 * trained index, answering as the shards merged in Java do.
 */
class TrainedShardsInUpstreamFaissTests {

    @Test
    void trainedShardsMergeWithMergeOndiskAndSearchAsTheJavaMerge(@TempDir Path dir)
            throws Exception {
        int dimension = TrainedShardWriterTests.DIMENSION;
        int count = 9000;
        float[] vectors = TrainedShardWriterTests.clustered(count, dimension, 11);
        byte[] trained = null;
        List<ShardWriter.Sealed> shards = new ArrayList<>();
        try (ShardWriter writer =
                TrainedShardWriterTests.factory(
                                TrainedShardWriterTests.FACTORY, 64 * 1024, 3000, 1000)
                        .open(dimension)) {
            for (int from = 0; from < count; from += 1000) {
                ShardWriter.Appended appended =
                        writer.append(
                                TrainedShardWriterTests.rows(vectors, from, 1000),
                                TrainedShardWriterTests.ids(from, 1000));
                if (appended.trained().isPresent()) {
                    trained = appended.trained().get().data();
                }
                shards.addAll(appended.sealed());
            }
            shards.addAll(writer.finish().sealed());
        }
        assertThat(shards.size()).isGreaterThanOrEqualTo(3);
        Path trainedFile = dir.resolve("combined_trained.faiss");
        Files.write(trainedFile, trained);
        List<String> command = new ArrayList<>();
        float[] queries = TrainedShardWriterTests.rows(vectors, 100, 20);
        Path queryFile = dir.resolve("queries.f32");
        ByteBuffer buffer = ByteBuffer.allocate(queries.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(queries);
        Files.write(queryFile, buffer.array());
        Path out = dir.resolve("merged.json");
        Path script = Path.of("src/test/resources/python/merge_trained.py").toAbsolutePath();
        command.addAll(
                List.of(
                        UpstreamFaissInteropTests.PYTHON,
                        script.toString(),
                        trainedFile.toString(),
                        queryFile.toString(),
                        String.valueOf(dimension),
                        "10",
                        "8",
                        out.toString()));
        for (int i = 0; i < shards.size(); i++) {
            Path shard = dir.resolve(String.format("combined_shard_%03d.faiss", i + 1));
            Files.write(shard, shards.get(i).data());
            command.add(shard.toString());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        @SuppressWarnings("unchecked")
        Map<String, Object> python =
                JsonMapper.builder().build().readValue(out.toFile(), Map.class);

        assertThat(((Number) python.get("ntotal")).longValue()).isEqualTo(count);
        @SuppressWarnings("unchecked")
        List<Number> shardCounts = (List<Number>) python.get("shard_ntotal");
        assertThat(shardCounts.stream().mapToLong(Number::longValue).sum()).isEqualTo(count);

        try (FaissIndex merged = FaissIndex.fromBytes(trained)) {
            for (ShardWriter.Sealed shard : shards) {
                try (FaissIndex other = FaissIndex.fromBytes(shard.data())) {
                    merged.mergeFrom(other);
                }
            }
            merged.setSearchParameter("nprobe", 8);
            FaissIndex.SearchResult java = merged.search(queries, 10);
            @SuppressWarnings("unchecked")
            List<List<Number>> pythonIds = (List<List<Number>>) python.get("ids");
            @SuppressWarnings("unchecked")
            List<List<Number>> pythonDistances = (List<List<Number>>) python.get("distances");
            for (int q = 0; q < 20; q++) {
                for (int r = 0; r < 10; r++) {
                    // PQ distances tie often; ids are compared where distances differ.
                    assertThat(pythonDistances.get(q).get(r).doubleValue())
                            .as("query %d rank %d", q, r)
                            .isCloseTo(
                                    java.distance(q, r), org.assertj.core.data.Offset.offset(1e-4));
                }
                assertThat(
                                pythonIds.get(q).get(0).longValue() == java.id(q, 0)
                                        || Math.abs(
                                                        pythonDistances.get(q).get(1).doubleValue()
                                                                - java.distance(q, 0))
                                                < 1e-4)
                        .isTrue();
            }
        }
    }
}
