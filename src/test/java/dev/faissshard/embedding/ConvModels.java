package dev.faissshard.embedding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Generates small convolutional ONNX encoders with Debian's python3-onnx ({@code
 * src/test/resources/python/conv_model.py}), standing in for a user's own model.
 */
final class ConvModels {

    static final String PYTHON = System.getProperty("python.debian", "/usr/bin/python3");

    private ConvModels() {}

    /**
     * A model taking [batch, 3, size, size] (nchw) or [batch, size, size, 3] (nhwc), giving a
     * 16-channel map.
     */
    static Path write(Path dir, String layout, int size) throws IOException, InterruptedException {
        return write(dir, layout, size, false);
    }

    /** The same model, optionally exported with a batch axis fixed to one image. */
    static Path write(Path dir, String layout, int size, boolean batchOfOne)
            throws IOException, InterruptedException {
        Path out = dir.resolve("conv-" + layout + (batchOfOne ? "-batch1" : "") + ".onnx");
        Path script = Path.of("src/test/resources/python/conv_model.py").toAbsolutePath();
        Process process =
                new ProcessBuilder(
                                PYTHON,
                                script.toString(),
                                out.toString(),
                                layout,
                                Integer.toString(size),
                                batchOfOne ? "1" : "batch")
                        .redirectErrorStream(true)
                        .start();
        String log = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS)
                || process.exitValue() != 0
                || !Files.exists(out)) {
            throw new IllegalStateException(
                    PYTHON + " (python3-onnx) could not write the test model: " + log);
        }
        return out;
    }
}
