package dev.faissshard.embedding;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.faissshard.embedding.UserModelProperties.ResizeMode;
import dev.faissshard.image.ImageDecoder;
import dev.faissshard.image.ImageProperties;
import dev.faissshard.testimages.LabelledSet;
import dev.faissshard.testimages.LabelledSet.Label;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * The development loop for the built-in descriptors: the quality test's four figures for candidate
 * models (folders written by {@code tools/models/generate_models.py OUT_DIR}), on labelled sets
 * drawn from development seeds only ({@link LabelledSet#TUNING_SEED} and the seeds after it, never
 * {@link LabelledSet#HELD_OUT_SEED}, which is kept for the quality test). The pictures go through
 * the service's own decoder and input packing, so the vectors are those a build would store; each
 * set is searched on its own, as the test searches its index, and the counts are summed over the
 * sets. Near-duplicate misses are counted per edit (and listed with {@code MISSES=1}) to see what a
 * change repairs. Not a test: a tool, run by hand.
 *
 * <p>Usage: {@code QualityTuning SETS GROUPS MODEL_DIR...}: SETS untidy sets of 10 x 10 x 6
 * pictures and GROUPS near-duplicate groups each; SETS = 0 measures the tidy set instead.
 */
public final class QualityTuning {

    private static final String[] EDITS = {"crop", "resize", "flip", "colour"};
    private static final double COLOR_WEIGHT = 0.3;
    private static final int VALUES = 3 * 64 * 64;

    private QualityTuning() {}

    /** One set's pictures, ready for the models. */
    private record Sample(List<Label> labels, int[] edits, FloatBuffer tensor) {}

    /** Summed hits and queries of the four measures. */
    private static final class Tally {
        final long[] hits = new long[4];
        final long[] queries = new long[4];
        final int[] editMisses = new int[4];
        final StringBuilder misses = new StringBuilder();

        double figure(int measure) {
            return (double) hits[measure] / queries[measure];
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("quality-tuning");
        int count = Integer.parseInt(args[0]);
        int groups = Integer.parseInt(args[1]);
        List<LabelledSet> sets = new ArrayList<>();
        if (count == 0) {
            sets.add(LabelledSet.write(root.resolve("tidy"), 6, 24, 256));
        }
        for (int s = 0; s < count; s++) {
            sets.add(
                    LabelledSet.writeUntidy(
                            root.resolve("dev" + s), 6, groups, 320, LabelledSet.TUNING_SEED + s));
        }
        ImageDecoder decoder = new ImageDecoder(new ImageProperties(50_000_000, 128));
        List<Sample> samples = new ArrayList<>();
        for (LabelledSet set : sets) {
            samples.add(sample(set, decoder));
        }
        if (System.getenv("DUMP") != null) {
            dump(samples, Path.of(System.getenv("DUMP")));
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        for (int a = 2; a < args.length; a++) {
            Tally tally = new Tally();
            try (OrtSession color =
                            environment.createSession(Path.of(args[a], "color.onnx").toString());
                    OrtSession structure =
                            environment.createSession(
                                    Path.of(args[a], "structure.onnx").toString())) {
                for (Sample sample : samples) {
                    measure(
                            sample,
                            run(environment, color, sample),
                            run(environment, structure, sample),
                            tally);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-40s color P@10 %.3f  structure P@10 %.3f  combined top-1 %.3f  near-dup R@3 %.3f"
                            + "  (misses: crop %d resize %d flip %d colour %d, of %d each)%n%s",
                    args[a],
                    tally.figure(0),
                    tally.figure(1),
                    tally.figure(2),
                    tally.figure(3),
                    tally.editMisses[0],
                    tally.editMisses[1],
                    tally.editMisses[2],
                    tally.editMisses[3],
                    tally.queries[3] / 4,
                    System.getenv("MISSES") != null ? tally.misses : "");
        }
    }

    private static Sample sample(LabelledSet set, ImageDecoder decoder) throws Exception {
        Path dir = set.catalogue().getParent();
        List<Label> labels = new ArrayList<>();
        List<BufferedImage> images = new ArrayList<>();
        int[] edits = new int[set.labels().size()];
        int edit = -1;
        for (Map.Entry<String, Label> entry : set.labels().entrySet()) {
            Label label = entry.getValue();
            // A group is written as its original, then its edits in NearDuplicates' order.
            edit = label.group() < 0 || label.original() ? -1 : edit + 1;
            edits[labels.size()] = edit;
            labels.add(label);
            images.add(
                    decoder.decode(
                            Files.readAllBytes(dir.resolve("images/" + entry.getKey() + ".jpg"))));
        }
        return new Sample(
                labels, edits, ImageTensor.pack(images, Preprocessing.builtin(64, ResizeMode.PAD)));
    }

    /**
     * Writes each set's input tensor (float32, native order) and its labels, for a look at the
     * pixels.
     */
    private static void dump(List<Sample> samples, Path dir) throws Exception {
        Files.createDirectories(dir);
        for (int s = 0; s < samples.size(); s++) {
            Sample sample = samples.get(s);
            java.nio.ByteBuffer bytes =
                    java.nio.ByteBuffer.allocate(sample.tensor().capacity() * 4)
                            .order(java.nio.ByteOrder.nativeOrder());
            bytes.asFloatBuffer().put(sample.tensor().duplicate().rewind());
            Files.write(dir.resolve("set" + s + ".f32"), bytes.array());
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < sample.labels().size(); i++) {
                Label label = sample.labels().get(i);
                text.append(label.outline())
                        .append(' ')
                        .append(label.paint())
                        .append(' ')
                        .append(label.group())
                        .append(' ')
                        .append(label.original())
                        .append(' ')
                        .append(sample.edits()[i])
                        .append('\n');
            }
            Files.writeString(dir.resolve("set" + s + ".txt"), text);
        }
    }

    private static float[][] run(OrtEnvironment environment, OrtSession session, Sample sample)
            throws Exception {
        int n = sample.labels().size();
        float[][] out = new float[n][];
        for (int first = 0; first < n; first += 32) {
            int count = Math.min(32, n - first);
            FloatBuffer slice =
                    sample.tensor()
                            .duplicate()
                            .position(first * VALUES)
                            .limit((first + count) * VALUES)
                            .slice();
            try (OnnxTensor input =
                            OnnxTensor.createTensor(
                                    environment, slice, new long[] {count, 3, 64, 64});
                    OrtSession.Result result = session.run(Map.of("image", input))) {
                System.arraycopy((float[][]) result.get(0).getValue(), 0, out, first, count);
            }
        }
        return out;
    }

    private static void measure(Sample sample, float[][] color, float[][] structure, Tally tally) {
        List<Label> labels = sample.labels();
        int n = labels.size();
        float[][] combined = new float[n][];
        for (int i = 0; i < n; i++) {
            combined[i] = new float[color[i].length + structure[i].length];
            for (int j = 0; j < color[i].length; j++) {
                combined[i][j] = (float) Math.sqrt(COLOR_WEIGHT) * color[i][j];
            }
            for (int j = 0; j < structure[i].length; j++) {
                combined[i][color[i].length + j] =
                        (float) Math.sqrt(1 - COLOR_WEIGHT) * structure[i][j];
            }
        }
        precision(color, labels, 10, (q, h) -> q.paint() == h.paint(), tally, 0);
        precision(structure, labels, 10, (q, h) -> q.outline() == h.outline(), tally, 1);
        precision(
                combined,
                labels,
                1,
                (q, h) -> q.outline() == h.outline() && q.paint() == h.paint(),
                tally,
                2);
        for (int q = 0; q < n; q++) {
            Label query = labels.get(q);
            if (query.group() < 0 || query.original()) {
                continue;
            }
            tally.queries[3]++;
            int[] top = nearest(combined, q, 3);
            boolean found = false;
            for (int hit : top) {
                found |= labels.get(hit).group() == query.group() && labels.get(hit).original();
            }
            if (found) {
                tally.hits[3]++;
                continue;
            }
            int edit = sample.edits()[q];
            int original = q - edit - 1;
            tally.editMisses[edit]++;
            tally.misses.append(
                    String.format(
                            Locale.ROOT,
                            "  miss %-6s row %4d %-14s %-8s original %.4f (colour %.4f structure %.4f); first %.4f %s %s%s%n",
                            EDITS[edit],
                            q,
                            query.outline(),
                            query.paint(),
                            dot(combined[q], combined[original]),
                            dot(color[q], color[original]),
                            dot(structure[q], structure[original]),
                            dot(combined[q], combined[top[0]]),
                            labels.get(top[0]).outline(),
                            labels.get(top[0]).paint(),
                            labels.get(top[0]).group() == query.group() ? " (same group)" : ""));
        }
    }

    private static void precision(
            float[][] vectors,
            List<Label> labels,
            int k,
            BiPredicate<Label, Label> relevant,
            Tally tally,
            int measure) {
        for (int q = 0; q < vectors.length; q++) {
            if (labels.get(q).group() >= 0) {
                continue;
            }
            tally.queries[measure] += k;
            for (int hit : nearest(vectors, q, k)) {
                tally.hits[measure] += relevant.test(labels.get(q), labels.get(hit)) ? 1 : 0;
            }
        }
    }

    /** The k rows nearest to row q by inner product, q itself excluded, best first. */
    private static int[] nearest(float[][] vectors, int q, int k) {
        int[] best = new int[k];
        double[] scores = new double[k];
        Arrays.fill(scores, Double.NEGATIVE_INFINITY);
        for (int i = 0; i < vectors.length; i++) {
            if (i == q) {
                continue;
            }
            double s = dot(vectors[q], vectors[i]);
            for (int r = 0; r < k; r++) {
                if (s > scores[r]) {
                    System.arraycopy(scores, r, scores, r + 1, k - r - 1);
                    System.arraycopy(best, r, best, r + 1, k - r - 1);
                    scores[r] = s;
                    best[r] = i;
                    break;
                }
            }
        }
        return best;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
