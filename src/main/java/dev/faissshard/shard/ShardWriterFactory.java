package dev.faissshard.shard;

import dev.faissshard.storage.StorageClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Makes {@link ShardWriter}s with the configured shard settings, calibrating each size model once.
 */
@Component
public class ShardWriterFactory {

    private final ShardProperties properties;
    private final VectorIndexes indexes;
    private final Map<String, ShardSizeModel> sizeModels = new ConcurrentHashMap<>();
    private final Map<String, Boolean> needsTraining = new ConcurrentHashMap<>();
    private final Map<Integer, AutoFactory.Choice> choices = new ConcurrentHashMap<>();
    private static final Logger log = LoggerFactory.getLogger(ShardWriterFactory.class);

    public ShardWriterFactory(ShardProperties properties, VectorIndexes indexes) {
        this.properties = properties;
        this.indexes = indexes;
    }

    /**
     * The configured settings; with {@code factory: auto} their factory is {@code auto}, see {@link
     * #settings(int)}.
     */
    public ShardSettings settings() {
        return properties.settings();
    }

    /**
     * The settings shards of {@code dimension} are built with: with {@code factory: auto}, the
     * factory {@link AutoFactory} chooses, logged once per dimension with why.
     */
    public ShardSettings settings(int dimension) {
        if (properties.autoFactory()) {
            choices.computeIfAbsent(
                    dimension,
                    d -> {
                        AutoFactory.Choice choice = properties.autoChoice(d);
                        log.info(
                                "factory auto chose {} for {}-dimensional vectors: {}",
                                choice.factory(),
                                d,
                                choice.reason());
                        return choice;
                    });
        }
        return properties.settings(dimension);
    }

    /** The recall@10 {@code factory: auto} must reach, checked against the build's measure. */
    public double recallFloor() {
        return properties.auto().recallFloor();
    }

    /** Why {@code factory: auto} chose the factory of {@code dimension}; empty otherwise. */
    public java.util.Optional<AutoFactory.Choice> autoChoice(int dimension) {
        if (!properties.autoFactory()) {
            return java.util.Optional.empty();
        }
        settings(dimension);
        return java.util.Optional.of(choices.get(dimension));
    }

    /**
     * Open segments of one type above which a finished job merges them ({@code merge-tail-above}).
     */
    public int mergeTailAbove() {
        return properties.mergeTailAbove();
    }

    /** The largest object a shard (and so a merged open segment) may be, in bytes. */
    public long maxObjectBytes() {
        return properties.maxBytes().toBytes();
    }

    /** The library the shards are made with, for reading back what the writers produced. */
    public VectorIndexes indexes() {
        return indexes;
    }

    /**
     * Fails fast with a clear message if the configured factory cannot build shards: no ids, or a
     * training sample under FAISS's guidance of 39 vectors per centroid. For a trained factory this
     * is an estimate until the index is trained (the writer then seals by the trained index's exact
     * model).
     */
    public ShardSizeModel sizeModel(int dimension) {
        ShardSettings settings = settings(dimension);
        return sizeModels.computeIfAbsent(
                settings.factory() + "|" + dimension + "|" + settings.metric(),
                key -> {
                    checkTrainingSample(settings, dimension);
                    return ShardSizeModel.calibrate(
                            indexes, settings.factory(), dimension, settings.metric());
                });
    }

    /** Whether the configured factory must be trained before it takes vectors. */
    public boolean needsTraining(int dimension) {
        ShardSettings settings = settings(dimension);
        return needsTraining.computeIfAbsent(
                settings.factory() + "|" + dimension + "|" + settings.metric(),
                key -> {
                    try (VectorIndex index =
                            indexes.create(dimension, settings.factory(), settings.metric())) {
                        return !index.isTrained();
                    }
                });
    }

    private void checkTrainingSample(ShardSettings settings, int dimension) {
        try (VectorIndex index = indexes.create(dimension, settings.factory(), settings.metric())) {
            long required = index.minTrainingVectors();
            if (!index.isTrained() && settings.trainingSample() < required) {
                throw new IllegalArgumentException(
                        "fsb.shard.training-sample is "
                                + settings.trainingSample()
                                + " but FAISS factory '"
                                + settings.factory()
                                + "' needs at least "
                                + required
                                + " training vectors (39 per centroid); raise"
                                + " fsb.shard.training-sample or use fewer inverted lists");
            }
        }
    }

    /**
     * Refuses to build shards that the store would reject: the shard size limit must fit the
     * store's object size limit (a Supabase bucket's {@code file_size_limit}) whenever the store
     * can tell it.
     */
    public void checkFits(StorageClient storage) {
        long maxBytes = properties.maxBytes().toBytes();
        storage.maxObjectBytes()
                .ifPresent(
                        limit -> {
                            if (maxBytes > limit) {
                                throw new IllegalArgumentException(
                                        "fsb.shard.max-bytes is "
                                                + maxBytes
                                                + " bytes, over the "
                                                + limit
                                                + "-byte object size limit of "
                                                + storage.description()
                                                + "; lower fsb.shard.max-bytes or raise the bucket's file_size_limit");
                            }
                        });
    }

    /**
     * Recall@10 of shards made from {@code trained} on the vectors of {@code sample}, searched with
     * the configured {@code fsb.shard.quality-nprobe}.
     */
    public RecallSample.Measured measure(RecallSample sample, byte[] trained) {
        ShardSettings settings = properties.settings();
        return sample.measure(indexes, trained, settings.metric(), settings.qualityNprobe());
    }

    /** An empty writer for vectors of {@code dimension}. */
    public ShardWriter open(int dimension) {
        return open(dimension, null);
    }

    /**
     * An empty writer for vectors of {@code dimension} whose shards start from {@code trained} (the
     * recorded trained index of a trained factory), or that trains one itself when null.
     */
    public ShardWriter open(int dimension, byte[] trained) {
        return new ShardWriter(
                dimension,
                settings(dimension),
                sizeModel(dimension),
                indexes,
                trained,
                needsTraining(dimension));
    }
}
