package dev.faissshard.embedding;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Generates a small ViT-shaped ONNX encoder (patch-embedding Conv, [CLS] token, multi-head
 * attention, LayerNormalization, GELU through Erf; opset 17) with Debian's python3-onnx ({@code
 * src/test/resources/python/vit_model.py}), and asks the same script for its output computed by
 * numpy alone, as an expectation independent of ONNX Runtime.
 */
final class TransformerModels {

    static final int DIMENSION = 32;
    private static final Path SCRIPT =
            Path.of("src/test/resources/python/vit_model.py").toAbsolutePath();

    private TransformerModels() {}

    /** Hidden states [batch, 1 + patches, 32] ("last_hidden_state"), as DINOv2 exports them. */
    static Path tokens(Path dir, int size) throws IOException, InterruptedException {
        return write(dir, size, "tokens");
    }

    /** The [CLS] embedding [batch, 32] ("image_embeds"), as a CLIP image tower exports it. */
    static Path pooled(Path dir, int size) throws IOException, InterruptedException {
        return write(dir, size, "pooled");
    }

    /**
     * The [CLS] output for {@code count} input tensors [count, 3, size, size], computed in numpy.
     */
    static float[] reference(Path dir, int size, FloatBuffer inputs, int count)
            throws IOException, InterruptedException {
        Path in = dir.resolve("reference-in.f32");
        Path out = dir.resolve("reference-out.f32");
        ByteBuffer bytes =
                ByteBuffer.allocate(inputs.remaining() * Float.BYTES)
                        .order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(inputs.duplicate());
        Files.write(in, bytes.array());
        run(
                "--reference",
                Integer.toString(size),
                in.toString(),
                Integer.toString(count),
                out.toString());
        FloatBuffer result =
                ByteBuffer.wrap(Files.readAllBytes(out))
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer();
        float[] values = new float[result.remaining()];
        result.get(values);
        return values;
    }

    private static Path write(Path dir, int size, String variant)
            throws IOException, InterruptedException {
        Path out = dir.resolve("vit-" + variant + "-" + size + ".onnx");
        run(out.toString(), Integer.toString(size), variant);
        return out;
    }

    private static void run(String... arguments) throws IOException, InterruptedException {
        String[] command = new String[arguments.length + 2];
        command[0] = ConvModels.PYTHON;
        command[1] = SCRIPT.toString();
        System.arraycopy(arguments, 0, command, 2, arguments.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(
                    ConvModels.PYTHON + " (python3-onnx, numpy) failed on vit_model.py: " + log);
        }
    }
}
