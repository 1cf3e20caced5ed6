package dev.faissshard.embedding;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed built-in models are exactly what {@code tools/models/generate_models.py} writes, so
 * the script is their source: a change to one without regenerating the other fails here.
 */
class BuiltinModelsReproducibleTests {

    @TempDir Path out;

    @Test
    void generatorWritesTheCommittedModelsByteForByte() throws Exception {
        Process process =
                new ProcessBuilder(
                                ConvModels.PYTHON,
                                "tools/models/generate_models.py",
                                out.toString())
                        .redirectErrorStream(true)
                        .start();
        String log = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(log).isZero();
        for (String model : new String[] {"color.onnx", "structure.onnx"}) {
            assertThat(Files.readAllBytes(out.resolve(model)))
                    .as(model)
                    .isEqualTo(Files.readAllBytes(Path.of("src/main/resources/models", model)));
        }
    }
}
