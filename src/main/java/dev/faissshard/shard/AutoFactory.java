package dev.faissshard.shard;

import java.util.Locale;

/**
 * {@code fsb.shard.factory: auto}: picks a FAISS factory from the vectors an index is expected to
 * hold, their dimension, a memory budget for the whole index of one type and a recall floor, as
 * autofaiss does, and says why.
 *
 * <p>The rules, in order:
 *
 * <ol>
 *   <li>Exact vectors ({@code IDMap,Flat}: {@code 4 x dimension + 8} bytes per vector) when they
 *       fit the budget: exact search, recall 1, and nothing to train.
 *   <li>Otherwise an IVF index of PCA-rotated 8-bit scalar codes, {@code PCAR<k>,IVF<lists>,SQ8},
 *       with {@code k} the most dimensions whose codes (one byte each, plus the 8-byte id) and
 *       trained parts fit the budget, in steps of 16 and at most the dimension. Every shard is a
 *       whole FAISS index and carries its own copy of the trained parts (the {@code k} rows the PCA
 *       applies, its mean, plus the centroids: 2.3 MB at 1,164 dimensions, {@code k} = 176 and
 *       2,048 lists), so they are counted once per shard of {@code fsb.shard.max-bytes}. The PCA's
 *       {@code dimension x dimension} training matrix, which FAISS would store in every shard too
 *       (5.4 MB at 1,164 dimensions), is dropped once trained ({@link
 *       VectorIndex#trainKeepingInnerProducts}). PCA first because the models' vectors keep most of
 *       their variance in a few hundred directions, so that k bytes of scalar codes in the rotated
 *       space lose less than k bytes of product-quantizer codes over all dimensions (measured on
 *       real vectors, docs/scale.md "Trained indexes").
 *   <li>Inverted lists: the power of two nearest {@code 4 x sqrt(vectors)} (autofaiss' rule), fewer
 *       when the training sample cannot give FAISS's 39 vectors per centroid.
 *   <li>The recall floor: exact search is the only choice that guarantees a floor above 0.99, so
 *       such a floor with a budget too small for exact vectors fails with what would fit. Under it,
 *       how much recall a code keeps depends on the vectors (docs/scale.md: 232 bytes per vector,
 *       20x smaller than exact, keep 0.955 of the models' real combined vectors' top 10 once the
 *       PCA keeps inner products, see {@link ShardWriter}), so it is not predicted here: the build
 *       measures it ({@link RecallSample}), records it in the manifest and logs a warning when it
 *       is under the floor.
 * </ol>
 */
public final class AutoFactory {

    /** A choice: the factory, the nprobe it was judged at, and why. */
    public record Choice(String factory, int nprobe, String reason) {}

    /** Bytes FAISS stores per vector besides its code: its 64-bit id in an inverted list. */
    private static final int ID_BYTES = 8;

    private static final int MIN_LISTS = 16;
    private static final int MAX_LISTS = 1 << 16;
    private static final int STEP = 16;

    /** Above this recall floor only exact vectors qualify. */
    static final double EXACT_ONLY_FLOOR = 0.99;

    private AutoFactory() {}

    public static Choice choose(
            long vectors,
            int dimension,
            long budgetBytes,
            double recallFloor,
            long trainingSample,
            long shardBytes) {
        if (vectors < 1 || dimension < 1 || budgetBytes < 1) {
            throw new IllegalArgumentException(
                    "factory auto needs positive expected vectors, dimension and memory budget");
        }
        long flatBytes = vectors * (4L * dimension + ID_BYTES);
        if (flatBytes <= budgetBytes) {
            return new Choice(
                    "IDMap,Flat",
                    0,
                    String.format(
                            Locale.ROOT,
                            "exact vectors fit: %d vectors x %d bytes = %d bytes <= budget %d bytes;"
                                    + " exact search, recall 1",
                            vectors,
                            4L * dimension + ID_BYTES,
                            flatBytes,
                            budgetBytes));
        }
        int lists = lists(vectors, trainingSample);
        int best = 0;
        for (int k = STEP; k <= dimension; k += STEP) {
            if (bytes(vectors, dimension, k, lists, shardBytes) <= budgetBytes) {
                best = k;
            }
        }
        if (best == 0) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "factory auto: a memory budget of %d bytes cannot hold %d vectors of"
                                    + " %d dimensions even as %d-byte codes (%d bytes needed);"
                                    + " raise fsb.shard.auto.memory-budget",
                            budgetBytes,
                            vectors,
                            dimension,
                            STEP,
                            bytes(vectors, dimension, STEP, lists, shardBytes)));
        }
        int nprobe = Math.max(1, lists / 16);
        if (recallFloor > EXACT_ONLY_FLOOR) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "factory auto: a recall floor of %.3f needs exact search, whose %d bytes"
                                    + " exceed the memory budget of %d bytes; raise"
                                    + " fsb.shard.auto.memory-budget or lower"
                                    + " fsb.shard.auto.recall-floor",
                            recallFloor,
                            flatBytes,
                            budgetBytes));
        }
        String factory = "PCAR" + best + ",IVF" + lists + ",SQ8";
        return new Choice(
                factory,
                nprobe,
                String.format(
                        Locale.ROOT,
                        "exact vectors (%d bytes) exceed the budget %d bytes; %d bytes of codes per"
                                + " vector fit (%d PCA dimensions of %d, 8 bits each, + 8-byte id):"
                                + " %d bytes in all with the trained parts in each of %d shards;"
                                + " %d lists (4 x sqrt(%d), at most training"
                                + " sample / 39), nprobe %d suggested; recall floor %.2f is checked"
                                + " against the build's measured recall",
                        flatBytes,
                        budgetBytes,
                        best,
                        best,
                        dimension,
                        bytes(vectors, dimension, best, lists, shardBytes),
                        shards(vectors, dimension, best, lists, shardBytes),
                        lists,
                        vectors,
                        nprobe,
                        recallFloor));
    }

    /** The power of two nearest 4 x sqrt(vectors), within what the sample can train. */
    static int lists(long vectors, long trainingSample) {
        double target = 4 * Math.sqrt(vectors);
        int lists = MIN_LISTS;
        while (lists < MAX_LISTS && Math.abs(lists * 2 - target) < Math.abs(lists - target)) {
            lists *= 2;
        }
        while (lists > 1 && 39L * lists > Math.min(trainingSample, vectors)) {
            lists /= 2;
        }
        return lists;
    }

    /**
     * Serialized bytes of the whole index: codes and ids, and in every shard of {@code shardBytes}
     * the trained parts; {@link Long#MAX_VALUE} when the trained parts alone fill a shard.
     */
    static long bytes(long vectors, int dimension, int kept, int lists, long shardBytes) {
        long shards = shards(vectors, dimension, kept, lists, shardBytes);
        if (shards == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return vectors * (kept + ID_BYTES) + shards * trainedBytes(dimension, kept, lists);
    }

    /** Shards of {@code shardBytes} the vectors fill, each with the trained parts. */
    static long shards(long vectors, int dimension, int kept, int lists, long shardBytes) {
        long room = shardBytes - trainedBytes(dimension, kept, lists);
        long perShard = room / (kept + ID_BYTES);
        return perShard < 1 ? Long.MAX_VALUE : (vectors + perShard - 1) / perShard;
    }

    /**
     * The trained parts every shard holds: FAISS's PCA (the {@code kept} rows it applies, mean,
     * eigenvalues and bias; its training matrix is dropped), the scalar quantizer's ranges, the
     * centroids and one list size per list.
     */
    static long trainedBytes(int dimension, int kept, int lists) {
        long pca = 4L * kept * dimension + 8L * dimension + 4L * kept;
        return pca + 8L * kept + 4L * kept * lists + 8L * lists;
    }
}
