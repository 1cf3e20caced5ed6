package dev.faissshard.embedding;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.faissshard.embedding.UserModelProperties.Layout;
import dev.faissshard.embedding.UserModelProperties.Pooling;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One ONNX Runtime session that maps a batch of pictures to one vector each: its input was checked
 * against the preprocessing at load time ({@link ModelSignature}) and its dimension found by
 * running it once on a blank picture, so that a model that cannot work fails at startup. Outputs
 * that are tokens or feature maps are pooled, and vectors L2-normalised when asked. Thread-safe:
 * ONNX Runtime sessions accept concurrent {@code run} calls, and {@link #close} waits for the runs
 * in flight, since freeing a session under a running inference crashes the JVM (seen on SIGTERM in
 * the first seconds of a job, when Spring closed the models while a job thread was still
 * embedding). A run after close is refused with {@link ModelClosedException}.
 */
final class OnnxModel implements AutoCloseable {

    private final String name;
    private final OrtEnvironment environment;
    private final OrtSession session;
    private final Preprocessing preprocessing;
    private final ModelSignature signature;
    private final Pooling pooling;
    private final boolean normalize;
    private final int dimension;

    /**
     * Images per inference call: large enough to amortise a call, small enough that ONNX Runtime's
     * intermediate tensors (and its arena, which never shrinks) and the packed input stay small.
     * The colour model's two largest intermediates are 1 MB an image ([64, 4096] floats): at 32
     * images its arena held over 100 MB; at 8 the whole process peaks about 110 MB lower for the
     * same CPU, and the vectors are byte for byte the same (each image is computed on its own).
     */
    static final int INFERENCE_BATCH = 8;

    /**
     * How long close waits for runs in flight; past it the session is left to the process's exit.
     */
    private static final long CLOSE_WAIT_SECONDS = 10;

    /** Runs share it; close takes it alone, so a session is never freed under an inference. */
    private final ReentrantReadWriteLock inUse = new ReentrantReadWriteLock();

    private boolean closed;

    OnnxModel(
            String name,
            OrtEnvironment environment,
            OrtSession session,
            Preprocessing preprocessing,
            ModelSignature signature,
            Pooling pooling,
            boolean normalize) {
        this.name = name;
        this.environment = environment;
        this.session = session;
        this.preprocessing = preprocessing;
        this.signature = signature;
        this.pooling = pooling;
        this.normalize = normalize;
        BufferedImage blank =
                new BufferedImage(
                        preprocessing.size(), preprocessing.size(), BufferedImage.TYPE_INT_RGB);
        this.dimension = runOnce(ImageTensor.pack(List.of(blank), preprocessing), 1).dimension();
    }

    Preprocessing preprocessing() {
        return preprocessing;
    }

    int dimension() {
        return dimension;
    }

    /**
     * Runs the model on {@code count} images packed by {@link #preprocessing()}; count x dimension
     * floats. Callers pass at most {@link #INFERENCE_BATCH} images: {@link OnnxEmbeddingService}
     * slices job batches.
     */
    float[] run(FloatBuffer tensor, int count) {
        if (count == 1 || !signature.fixedBatchOfOne()) {
            return runOnce(tensor, count).values();
        }
        // A model exported with a fixed batch dimension of one takes the slice one image at a time.
        int stride = ImageTensor.values(preprocessing);
        float[] out = new float[count * dimension];
        for (int image = 0; image < count; image++) {
            FloatBuffer one =
                    tensor.duplicate().position(image * stride).limit((image + 1) * stride).slice();
            System.arraycopy(runOnce(one, 1).values(), 0, out, image * dimension, dimension);
        }
        return out;
    }

    private Vectors runOnce(FloatBuffer tensor, int count) {
        inUse.readLock().lock();
        try {
            if (closed) {
                throw new ModelClosedException(name);
            }
            return infer(tensor, count);
        } finally {
            inUse.readLock().unlock();
        }
    }

    private Vectors infer(FloatBuffer tensor, int count) {
        try (OnnxTensor input =
                        OnnxTensor.createTensor(
                                environment, tensor.duplicate(), preprocessing.shape(count));
                OrtSession.Result result = session.run(Map.of(signature.inputName(), input))) {
            OnnxTensor output = (OnnxTensor) result.get(signature.outputName()).orElseThrow();
            long[] shape = output.getInfo().getShape();
            FloatBuffer values = output.getFloatBuffer();
            float[] raw = new float[values.remaining()];
            values.get(raw);
            Vectors vectors =
                    VectorPooling.pool(raw, shape, pooling, preprocessing.layout() == Layout.NHWC);
            if (vectors.count() != count) {
                throw new IllegalStateException(
                        "Model "
                                + name
                                + " returned "
                                + vectors.count()
                                + " vectors for "
                                + count
                                + " images (output shape "
                                + java.util.Arrays.toString(shape)
                                + ")");
            }
            if (normalize) {
                VectorPooling.normalize(vectors);
            }
            return vectors;
        } catch (OrtException ex) {
            throw new IllegalStateException(
                    "Model " + name + " failed on a batch of " + count + ": " + ex.getMessage(),
                    ex);
        }
    }

    @Override
    public void close() {
        boolean exclusive = false;
        try {
            exclusive = inUse.writeLock().tryLock(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (!exclusive) {
            // A run is still going (an abandoned job at shutdown): leaking the session to the exit
            // is safe,
            // freeing it under the run is not.
            return;
        }
        try {
            if (!closed) {
                closed = true;
                session.close();
            }
        } catch (OrtException ex) {
            throw new IllegalStateException("Closing model " + name + ": " + ex.getMessage(), ex);
        } finally {
            inUse.writeLock().unlock();
        }
    }

    /** Row-major vectors. */
    record Vectors(float[] values, int count, int dimension) {}
}
