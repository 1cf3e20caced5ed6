package dev.faissshard.embedding;

import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Embeds with one ONNX model per index type. Models that take the same preprocessing share one
 * input tensor per batch. Unless it has a model of its own, {@code combined} is derived from the
 * colour and structure vectors without a third inference, as {@code [sqrt(w) * color, sqrt(1 - w) *
 * structure]}, which is unit-length when both parts are, and whose inner product is {@code w *
 * color + (1 - w) * structure}. Thread-safe.
 */
final class OnnxEmbeddingService implements EmbeddingService, AutoCloseable {

    /** Enough for two jobs embedding at once with two input sizes each. */
    private static final int IDLE_TENSORS = 4;

    private final Map<IndexType, OnnxModel> models;
    private final Map<IndexType, ModelInfo> infos;
    private final float colorScale;
    private final float structureScale;
    private final TensorBuffers buffers = new TensorBuffers(IDLE_TENSORS);

    /**
     * {@code models} holds color and structure, and combined only when it has a model of its own.
     */
    OnnxEmbeddingService(
            Map<IndexType, OnnxModel> models,
            Map<IndexType, ModelInfo> infos,
            double combinedColorWeight) {
        this.models = Map.copyOf(models);
        this.colorScale = (float) Math.sqrt(combinedColorWeight);
        this.structureScale = (float) Math.sqrt(1 - combinedColorWeight);
        Map<IndexType, ModelInfo> all = new EnumMap<>(infos);
        if (!models.containsKey(IndexType.COMBINED)) {
            ModelInfo color = infos.get(IndexType.COLOR);
            ModelInfo structure = infos.get(IndexType.STRUCTURE);
            all.put(
                    IndexType.COMBINED,
                    new ModelInfo(
                            "combined(color="
                                    + combinedColorWeight
                                    + ";"
                                    + color.id()
                                    + "+"
                                    + structure.id()
                                    + ")",
                            color.sha256() + "+" + structure.sha256(),
                            color.dimension() + structure.dimension()));
        }
        this.infos = Map.copyOf(all);
    }

    @Override
    public ModelInfo model(IndexType type) {
        return infos.get(type);
    }

    /** Side of the square input of each index type's own model. */
    Map<IndexType, Integer> inputSizes() {
        Map<IndexType, Integer> sizes = new EnumMap<>(IndexType.class);
        models.forEach((type, model) -> sizes.put(type, model.preprocessing().size()));
        return sizes;
    }

    @Override
    public Map<IndexType, float[]> embed(List<BufferedImage> images, Set<IndexType> types) {
        return embedInputs(images.stream().map(EmbeddingInput::of).toList(), types);
    }

    /** The picture resized into the input of every model (most often one, which all share). */
    @Override
    public EmbeddingInput prepare(BufferedImage image) {
        Map<Preprocessing, float[]> tensors = new HashMap<>();
        for (OnnxModel model : models.values()) {
            tensors.computeIfAbsent(model.preprocessing(), p -> ImageTensor.tensorOf(image, p));
        }
        return EmbeddingInput.packed(image, tensors);
    }

    @Override
    public Map<IndexType, float[]> embedInputs(List<EmbeddingInput> images, Set<IndexType> types) {
        Map<IndexType, float[]> out = new EnumMap<>(IndexType.class);
        if (images.isEmpty()) {
            types.forEach(type -> out.put(type, new float[0]));
            return out;
        }
        boolean derived =
                types.contains(IndexType.COMBINED) && !models.containsKey(IndexType.COMBINED);
        Map<IndexType, OnnxModel> running = new EnumMap<>(IndexType.class);
        Map<IndexType, float[]> vectors = new EnumMap<>(IndexType.class);
        for (IndexType type : IndexType.values()) {
            boolean needed = types.contains(type) || derived && type != IndexType.COMBINED;
            OnnxModel model = models.get(type);
            if (needed && model != null) {
                running.put(type, model);
                vectors.put(type, new float[images.size() * model.dimension()]);
            }
        }
        // Slice by slice, so that the input tensors are a slice's worth, not a job batch's, and are
        // reused.
        for (int first = 0; first < images.size(); first += OnnxModel.INFERENCE_BATCH) {
            int count = Math.min(OnnxModel.INFERENCE_BATCH, images.size() - first);
            embedSlice(images.subList(first, first + count), first, running, vectors);
        }
        if (derived) {
            vectors.put(
                    IndexType.COMBINED,
                    combine(
                            vectors.get(IndexType.COLOR),
                            vectors.get(IndexType.STRUCTURE),
                            images.size()));
        }
        for (IndexType type : types) {
            out.put(type, vectors.get(type));
        }
        return out;
    }

    private void embedSlice(
            List<EmbeddingInput> slice,
            int first,
            Map<IndexType, OnnxModel> running,
            Map<IndexType, float[]> vectors) {
        // Models that preprocess alike share one packed tensor.
        Map<Preprocessing, FloatBuffer> tensors = new HashMap<>();
        try {
            running.forEach(
                    (type, model) -> {
                        FloatBuffer tensor =
                                tensors.computeIfAbsent(
                                        model.preprocessing(),
                                        p ->
                                                ImageTensor.packInputs(
                                                        slice,
                                                        p,
                                                        buffers.borrow(
                                                                slice.size()
                                                                        * ImageTensor.values(p))));
                        float[] out = model.run(tensor, slice.size());
                        System.arraycopy(
                                out, 0, vectors.get(type), first * model.dimension(), out.length);
                    });
        } finally {
            tensors.values().forEach(buffers::giveBack);
        }
    }

    private float[] combine(float[] colors, float[] structures, int count) {
        int dc = infos.get(IndexType.COLOR).dimension();
        int ds = infos.get(IndexType.STRUCTURE).dimension();
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
        models.values().forEach(OnnxModel::close);
    }
}
