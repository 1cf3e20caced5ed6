package dev.faissshard.embedding;

import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import ai.onnxruntime.OrtEnvironment;

/**
 * Embeds with the built-in ONNX models. {@code color} and {@code structure} each run once per batch on
 * one shared input tensor; {@code combined} is derived from both without a third inference, as
 * {@code [sqrt(w) * color, sqrt(1 - w) * structure]}, which is unit-length when both parts are, and
 * whose inner product is {@code w * color + (1 - w) * structure}. Thread-safe.
 */
final class OnnxEmbeddingService implements EmbeddingService, AutoCloseable {

    private final OrtEnvironment environment;
    private final OnnxModel color;
    private final OnnxModel structure;
    private final Map<IndexType, ModelInfo> models;
    private final float colorScale;
    private final float structureScale;

    OnnxEmbeddingService(OrtEnvironment environment, OnnxModel color, ModelInfo colorInfo, OnnxModel structure,
            ModelInfo structureInfo, double combinedColorWeight) {
        if (color.inputSize() != structure.inputSize()) {
            throw new IllegalStateException("The colour and structure models must take the same input size ("
                    + color.inputSize() + " vs " + structure.inputSize() + ")");
        }
        this.environment = environment;
        this.color = color;
        this.structure = structure;
        this.colorScale = (float) Math.sqrt(combinedColorWeight);
        this.structureScale = (float) Math.sqrt(1 - combinedColorWeight);
        Map<IndexType, ModelInfo> infos = new EnumMap<>(IndexType.class);
        infos.put(IndexType.COLOR, colorInfo);
        infos.put(IndexType.STRUCTURE, structureInfo);
        infos.put(IndexType.COMBINED, new ModelInfo(
                "builtin-combined-v1(color=" + combinedColorWeight + ";" + colorInfo.id() + "+" + structureInfo.id() + ")",
                colorInfo.sha256() + "+" + structureInfo.sha256(), colorInfo.dimension() + structureInfo.dimension()));
        this.models = Map.copyOf(infos);
    }

    @Override
    public ModelInfo model(IndexType type) {
        return models.get(type);
    }

    int inputSize() {
        return color.inputSize();
    }

    @Override
    public Map<IndexType, float[]> embed(List<BufferedImage> images, Set<IndexType> types) {
        Map<IndexType, float[]> out = new EnumMap<>(IndexType.class);
        if (images.isEmpty()) {
            types.forEach(type -> out.put(type, new float[0]));
            return out;
        }
        FloatBuffer tensor = ImageTensor.pack(images, color.inputSize());
        boolean combined = types.contains(IndexType.COMBINED);
        float[] colors = combined || types.contains(IndexType.COLOR) ? color.run(environment, tensor, images.size()) : null;
        float[] structures = combined || types.contains(IndexType.STRUCTURE)
                ? structure.run(environment, tensor, images.size()) : null;
        if (types.contains(IndexType.COLOR)) {
            out.put(IndexType.COLOR, colors);
        }
        if (types.contains(IndexType.STRUCTURE)) {
            out.put(IndexType.STRUCTURE, structures);
        }
        if (combined) {
            out.put(IndexType.COMBINED, combine(colors, structures, images.size()));
        }
        return out;
    }

    private float[] combine(float[] colors, float[] structures, int count) {
        int dc = color.dimension();
        int ds = structure.dimension();
        float[] out = new float[count * (dc + ds)];
        for (int row = 0; row < count; row++) {
            int base = row * (dc + ds);
            for (int j = 0; j < dc; j++) {
                out[base + j] = colorScale * colors[row * dc + j];
            }
            for (int j = 0; j < ds; j++) {
                out[base + dc + j] = structureScale * structures[row * ds + j];
            }
        }
        return out;
    }

    @Override
    public void close() {
        color.close();
        structure.close();
    }
}
