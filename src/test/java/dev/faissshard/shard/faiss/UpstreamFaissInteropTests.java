package dev.faissshard.shard.faiss;

import static org.assertj.core.api.Assertions.assertThat;

import dev.faissshard.shard.Metric;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

/**
 * Shards are consumed by upstream FAISS, mostly from Python: a shard written by the service must
 * open with {@code faiss.read_index} and answer queries exactly as the Java side does.
 */
class UpstreamFaissInteropTests {

    static final String PYTHON = System.getProperty("python.debian", "/usr/bin/python3");

    @Test
    void shardWrittenByTheServiceSearchesTheSameInUpstreamFaiss(@TempDir Path dir)
            throws Exception {
        int dimension = 64;
        float[] vectors = FaissIndexTests.unitVectors(2000, dimension, 7);
        long[] ids = new long[2000];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5_000_000_000L + i * 17L;
        }
        float[] queries = FaissIndexTests.unitVectors(25, dimension, 8);
        int k = 10;
        Path shard = dir.resolve("color_shard_001.faiss");
        FaissIndex.SearchResult javaResult;
        try (FaissIndex index = FaissIndex.create(dimension, "IDMap,Flat", Metric.INNER_PRODUCT)) {
            index.addWithIds(vectors, ids);
            Files.write(shard, index.toBytes());
            javaResult = index.search(queries, k);
        }
        Path queryFile = dir.resolve("queries.f32");
        ByteBuffer buffer = ByteBuffer.allocate(queries.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.asFloatBuffer().put(queries);
        Files.write(queryFile, buffer.array());

        Map<String, Object> python = runPython(dir, shard, queryFile, dimension, k);

        assertThat(((Number) python.get("ntotal")).longValue()).isEqualTo(2000);
        assertThat(((Number) python.get("d")).intValue()).isEqualTo(dimension);
        assertThat(((Number) python.get("metric")).intValue()).isZero(); // METRIC_INNER_PRODUCT
        @SuppressWarnings("unchecked")
        List<List<Number>> pythonIds = (List<List<Number>>) python.get("ids");
        @SuppressWarnings("unchecked")
        List<List<Number>> pythonDistances = (List<List<Number>>) python.get("distances");
        for (int q = 0; q < queries.length / dimension; q++) {
            for (int r = 0; r < k; r++) {
                assertThat(pythonIds.get(q).get(r).longValue())
                        .as("query %d rank %d", q, r)
                        .isEqualTo(javaResult.id(q, r));
                // Different BLAS builds may differ in the last bits.
                assertThat(pythonDistances.get(q).get(r).doubleValue())
                        .isCloseTo(
                                javaResult.distance(q, r),
                                org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> runPython(Path dir, Path index, Path queries, int dimension, int k)
            throws IOException, InterruptedException {
        Path script = Path.of("src/test/resources/python/search_index.py").toAbsolutePath();
        Path out = dir.resolve("python-result.json");
        Process process =
                new ProcessBuilder(
                                PYTHON,
                                script.toString(),
                                index.toString(),
                                queries.toString(),
                                String.valueOf(dimension),
                                String.valueOf(k),
                                out.toString())
                        .redirectErrorStream(true)
                        .start();
        String output = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("python finished").isTrue();
        assertThat(process.exitValue()).as("python exit code; output:%n%s", output).isZero();
        return JsonMapper.builder().build().readValue(out.toFile(), Map.class);
    }
}
