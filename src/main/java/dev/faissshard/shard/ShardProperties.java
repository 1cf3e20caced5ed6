package dev.faissshard.shard;

import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * How shards are built.
 *
 * @param maxBytes seal a shard before its serialized size would pass this (Supabase rejects files
 *     over ~50 MB)
 * @param maxVectors seal a shard before it would hold more vectors than this; 0 for no limit
 * @param factory FAISS index factory string: untrained kinds wrapped in {@code IDMap} ({@code
 *     IDMap,Flat}, {@code IDMap,HNSW32}), trained kinds with ids of their own ({@code
 *     IVF1024,PQ89}, {@code OPQ64_512,IVF4096_HNSW32,PQ64}) or in {@code IDMap} ({@code
 *     IDMap,PQ89})
 * @param metric distance between vectors; the built-in models produce unit vectors meant for inner
 *     product
 * @param faissThreads OpenMP threads FAISS may use; the job already keeps every core busy
 * @param trainingSample vectors a trained factory is trained on, the first of the catalogue; FAISS
 *     asks for at least 39 per k-means centroid, which is checked
 * @param qualityNprobe inverted lists searched when the build measures a trained index's recall;
 *     keep it equal to {@code fsb.search.nprobe}
 * @param auto how {@code factory: auto} chooses ({@link AutoFactory})
 * @param mergeTailAbove a finished job merges its open shard's segments (one per batch of every job
 *     since the shard opened) into few when there are more than this: the next job then restores a
 *     few objects per type instead of hundreds. 8 keeps a restore to at most 24 objects per type
 *     (three rounds of the 8 threads that fetch them) while a stream of tiny jobs rewrites the tail
 *     only every eighth job, not at every one
 */
@Validated
@ConfigurationProperties("fsb.shard")
public record ShardProperties(
        @DefaultValue("45MB") @NotNull DataSize maxBytes,
        @DefaultValue("0") @Min(0) long maxVectors,
        @DefaultValue("IDMap,Flat") @NotBlank String factory,
        @DefaultValue("inner-product") @NotNull Metric metric,
        @DefaultValue("1") @Min(1) int faissThreads,
        @DefaultValue("100000") @Min(1) long trainingSample,
        @DefaultValue("16") @Min(1) int qualityNprobe,
        @DefaultValue @NotNull @Valid Auto auto,
        @DefaultValue("8") @Min(1) int mergeTailAbove) {

    /** The factory value that lets {@link AutoFactory} choose. */
    public static final String AUTO = "auto";

    /**
     * What {@code factory: auto} chooses from. A trained index is trained once, on the first
     * vectors, for the whole index: its size must be chosen for the vectors it will finally hold,
     * which the operator knows and the first batches do not.
     *
     * @param expectedVectors vectors one index type is expected to hold in the end
     * @param memoryBudget bytes the whole index of one type may take (all its shards)
     * @param recallFloor the least recall@10 against exact search the choice must be expected to
     *     reach
     */
    public record Auto(
            @DefaultValue("1000000") @Min(1) long expectedVectors,
            @DefaultValue(Auto.SHIPPED_MEMORY_BUDGET) @NotNull DataSize memoryBudget,
            @DefaultValue(Auto.SHIPPED_RECALL_FLOOR) @DecimalMin("0") @DecimalMax("1")
                    double recallFloor) {

        /**
         * About a twentieth of the exact vectors of the expected million combined (1,164-d)
         * vectors, 4.66 GB: the size autofaiss users expect of a compressed index (issue 15). A
         * budget of 1GB made auto choose codes of a thousand PCA dimensions, 4.4x smaller than
         * exact; 200MB chooses {@code PCAR160,IVF2048,SQ8} in 45 MB shards, 22.7x (docs/scale.md
         * "Trained indexes").
         */
        static final String SHIPPED_MEMORY_BUDGET = "200MB";

        static final String SHIPPED_RECALL_FLOOR = "0.9";

        /** The shipped rules for an index expected to hold {@code expectedVectors} per type. */
        public static Auto shipped(long expectedVectors) {
            return new Auto(
                    expectedVectors,
                    DataSize.parse(SHIPPED_MEMORY_BUDGET),
                    Double.parseDouble(SHIPPED_RECALL_FLOOR));
        }
    }

    @ConstructorBinding
    public ShardProperties {
        if (maxBytes != null && maxBytes.toBytes() < 64 * 1024) {
            throw new IllegalArgumentException(
                    "fsb.shard.max-bytes must be at least 64KB, was " + maxBytes);
        }
        // A shard is serialized into one byte array before upload.
        if (maxBytes != null && maxBytes.toBytes() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "fsb.shard.max-bytes must be at most 2GB, was " + maxBytes);
        }
    }

    /** Untrained-factory properties with the shipped defaults for the rest. */
    public ShardProperties(
            DataSize maxBytes, long maxVectors, String factory, Metric metric, int faissThreads) {
        this(maxBytes, maxVectors, factory, metric, faissThreads, 100_000, 16);
    }

    /** Properties with the shipped choice rules of {@code factory: auto}. */
    public ShardProperties(
            DataSize maxBytes,
            long maxVectors,
            String factory,
            Metric metric,
            int faissThreads,
            long trainingSample,
            int qualityNprobe) {
        this(
                maxBytes,
                maxVectors,
                factory,
                metric,
                faissThreads,
                trainingSample,
                qualityNprobe,
                Auto.shipped(1_000_000));
    }

    /** Properties with the shipped merge of a finished job's open segments. */
    public ShardProperties(
            DataSize maxBytes,
            long maxVectors,
            String factory,
            Metric metric,
            int faissThreads,
            long trainingSample,
            int qualityNprobe,
            Auto auto) {
        this(
                maxBytes,
                maxVectors,
                factory,
                metric,
                faissThreads,
                trainingSample,
                qualityNprobe,
                auto,
                8);
    }

    /** Whether the factory is chosen by {@link AutoFactory} per dimension. */
    public boolean autoFactory() {
        return AUTO.equalsIgnoreCase(factory.strip());
    }

    /** The choice of {@code factory: auto} for vectors of {@code dimension}. */
    public AutoFactory.Choice autoChoice(int dimension) {
        return AutoFactory.choose(
                auto.expectedVectors(),
                dimension,
                auto.memoryBudget().toBytes(),
                auto.recallFloor(),
                trainingSample,
                maxBytes.toBytes());
    }

    /**
     * The settings as configured; with {@code factory: auto} the factory is {@code auto}: use
     * {@link #settings(int)} for what shards are built with.
     */
    public ShardSettings settings() {
        return new ShardSettings(
                factory, metric, maxBytes.toBytes(), maxVectors, trainingSample, qualityNprobe);
    }

    /** The settings shards of {@code dimension} are built with: {@code auto} resolved. */
    public ShardSettings settings(int dimension) {
        String resolved = autoFactory() ? autoChoice(dimension).factory() : factory;
        return new ShardSettings(
                resolved, metric, maxBytes.toBytes(), maxVectors, trainingSample, qualityNprobe);
    }
}
