package dev.faissshard.dryrun;

import dev.faissshard.build.BuildPlan;
import dev.faissshard.catalog.Catalog;
import dev.faissshard.catalog.CatalogEntry;
import dev.faissshard.embedding.EmbeddingService;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.index.DoneIds;
import dev.faissshard.index.FailureRecord;
import dev.faissshard.index.FaissIds;
import dev.faissshard.index.IdFile;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.IndexLocation;
import dev.faissshard.index.IndexProgress;
import dev.faissshard.index.Progress;
import dev.faissshard.index.ProgressStore;
import dev.faissshard.index.SegmentRecord;
import dev.faissshard.index.ShardRecord;
import dev.faissshard.shard.ShardSettings;
import dev.faissshard.shard.ShardSizeModel;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * Works out a {@link DryRunReport}: reads the catalogue as the job would (its partition, its
 * limit), the index's {@code progress.json} and the id files of its shards and segments, and sizes
 * the shards with the calibrated size model. It only reads.
 */
@Component
public class DryRunPlanner {

    /** Bytes of an id file line beyond the catalogue id: a FAISS id, a tab, a newline. */
    private static final int ID_LINE_OVERHEAD = 21;

    /**
     * {@code DoneIds}' cost of an id held in memory, at most: 8 bytes for a hashed id (dense
     * integer ids cost a sixteenth of that, and those of the open shard 16).
     */
    private static final int ID_SET_BYTES = 8;

    private final ProgressStore progressStore;
    private final ShardWriterFactory writers;
    private final EmbeddingService embeddings;

    DryRunPlanner(
            ProgressStore progressStore, ShardWriterFactory writers, EmbeddingService embeddings) {
        this.progressStore = progressStore;
        this.writers = writers;
        this.embeddings = embeddings;
    }

    /** What the build {@code plan} would do on {@code location} reading {@code catalog}. */
    public DryRunReport plan(
            BuildPlan plan,
            Catalog catalog,
            IndexLocation location,
            String storageDescription,
            MeasuredRate rate) {
        IndexLayout layout = location.layout();
        StorageClient storage = location.storage();
        Progress progress = progressStore.load(layout, storage).orElseGet(Progress::empty);
        Map<String, FailureRecord> failures = progressStore.failures(layout, storage, progress);
        Map<IndexType, DoneIds> held = new EnumMap<>(IndexType.class);
        for (IndexType type : plan.indexTypes()) {
            held.put(type, heldIds(progress.indexes().get(type.key()), layout, storage));
        }

        Rows rows = new Rows(plan.indexTypes());
        try (Stream<CatalogEntry> entries = catalog.entries()) {
            for (Iterator<CatalogEntry> it = entries.iterator(); it.hasNext(); ) {
                rows.read(it.next(), plan, failures, held);
            }
        }

        ShardSettings settings = writers.settings();
        Map<String, DryRunReport.TypeEstimate> types = new TreeMap<>();
        Map<String, Long> openShardBytes = new TreeMap<>();
        long uploaded = 0;
        long idBytes = 0;
        for (IndexType type : plan.indexTypes()) {
            int dimension = embeddings.model(type).dimension();
            ShardSizeModel shards = writers.sizeModel(dimension);
            ShardSizeModel segments =
                    ShardSizeModel.calibrate(
                            writers.indexes(),
                            ShardWriter.SEGMENT_FACTORY,
                            dimension,
                            settings.metric());
            IndexProgress now = progress.indexes().get(type.key());
            DryRunReport.TypeEstimate estimate =
                    estimate(now, rows.newPerType.get(type), rows, shards, segments, settings);
            types.put(type.key(), estimate);
            uploaded += estimate.uploadedBytes();
            long fullest =
                    Math.min(estimate.vectorsPerShard(), Math.max(1, estimate.vectorsAfter()));
            // The open shard in memory, and its serialized copy while it is sealed.
            openShardBytes.put(type.key(), 2 * shards.estimate(fullest));
            idBytes += ID_SET_BYTES * estimate.vectorsAfter();
        }
        long batches = (rows.toDo + plan.batchSize() - 1) / plan.batchSize();
        long progressBytes =
                storage.find(layout.progressKey()).map(data -> (long) data.length).orElse(1024L);
        long metadata = batches * progressBytes;
        long memory = idBytes + openShardBytes.values().stream().mapToLong(Long::longValue).sum();
        Long seconds =
                rate.imagesPerSecond() == null
                        ? null
                        : Math.round(rows.toDo / rate.imagesPerSecond());
        return new DryRunReport(
                true,
                plan.indexTypes().stream().map(IndexType::key).sorted().toList(),
                catalog.description(),
                storageDescription,
                layout.prefix(),
                rows.all,
                rows.owned,
                rows.done,
                rows.skippedFailures,
                rows.toDo,
                rows.retried,
                rows.beyondLimit,
                batches,
                types,
                metadata,
                uploaded + metadata,
                new DryRunReport.TimeEstimate(
                        seconds, rate.imagesPerSecond(), rate.source(), rate.sampleJobs()),
                new DryRunReport.MemoryEstimate(openShardBytes, idBytes, memory));
    }

    private static DryRunReport.TypeEstimate estimate(
            IndexProgress now,
            long newVectors,
            Rows rows,
            ShardSizeModel shards,
            ShardSizeModel segments,
            ShardSettings settings) {
        long capacity = shards.capacity(settings.maxBytes());
        if (settings.maxVectors() > 0) {
            capacity = Math.min(capacity, settings.maxVectors());
        }
        long sealedVectors =
                now == null ? 0 : now.sealedShards().stream().mapToLong(ShardRecord::vectors).sum();
        long sealedBytes =
                now == null ? 0 : now.sealedShards().stream().mapToLong(ShardRecord::bytes).sum();
        int sealedNow = now == null ? 0 : now.sealedShards().size();
        long vectorsNow = now == null ? 0 : now.vectors();
        long vectorsAfter = vectorsNow + newVectors;
        // Everything past the sealed shards (the open shard's vectors and the new ones) fills new
        // shards of the writer's capacity; the remainder stays open, stored as segments, for the
        // next job to fill further.
        long rest = vectorsAfter - sealedVectors;
        long fullShards = rest / capacity;
        long remainder = rest % capacity;
        long newShardBytes =
                fullShards * shards.estimate(capacity)
                        + (remainder > 0 ? shards.estimate(remainder) : 0);
        long newShards = fullShards;
        long idFileBytes = rows.idBytes(rest);
        // Each batch makes its vectors durable as a segment of the open shard (at most all of
        // them).
        long segmentBytes =
                newVectors == 0
                        ? 0
                        : segments.estimate(newVectors)
                                + (rows.batches(newVectors) - 1) * segments.baseBytes();
        long uploaded =
                newVectors == 0
                        ? 0
                        // A bound: the open remainder counts as if sealed (a later job or a
                        // compaction uploads it as a shard), which also covers this job's
                        // progress and manifest writes.
                        : newShardBytes + segmentBytes + 2 * rows.newIdBytes + idFileBytes;
        return new DryRunReport.TypeEstimate(
                vectorsNow,
                vectorsAfter,
                sealedNow,
                sealedNow + newShards,
                capacity,
                sealedBytes + newShardBytes,
                uploaded);
    }

    /**
     * The FAISS ids one type holds: its sealed shards' (read lazily, as a job reads them) and its
     * open segments' id files.
     */
    private static DoneIds heldIds(IndexProgress state, IndexLayout layout, StorageClient storage) {
        if (state == null) {
            return new DoneIds(List.of(), shards -> List.of());
        }
        DoneIds ids =
                new DoneIds(
                        state.sealedShards(),
                        shards -> {
                            List<long[]> read = new ArrayList<>(shards.size());
                            for (ShardRecord shard : shards) {
                                List<IdFile.Entry> entries =
                                        IdFile.read(storage.get(layout.absolute(shard.idsFile())));
                                read.add(
                                        entries.stream()
                                                .mapToLong(IdFile.Entry::faissId)
                                                .toArray());
                            }
                            return read;
                        });
        for (SegmentRecord segment : state.openSegments()) {
            IdFile.read(storage.get(layout.absolute(segment.idsFile())))
                    .forEach(entry -> ids.add(entry.faissId()));
        }
        return ids;
    }

    /** Counts of the catalogue's rows as the job would meet them. */
    private static final class Rows {

        final Map<IndexType, Long> newPerType = new EnumMap<>(IndexType.class);
        long all;
        long owned;
        long done;
        long skippedFailures;
        long toDo;
        long retried;
        long beyondLimit;
        long newIdBytes;
        private long batchSize = 1;

        Rows(Iterable<IndexType> types) {
            types.forEach(type -> newPerType.put(type, 0L));
        }

        void read(
                CatalogEntry entry,
                BuildPlan plan,
                Map<String, FailureRecord> failures,
                Map<IndexType, DoneIds> held) {
            batchSize = plan.batchSize();
            all++;
            if (!plan.owns().test(entry.id())) {
                return;
            }
            owned++;
            long faissId = FaissIds.of(entry.id());
            boolean everywhere = held.values().stream().allMatch(ids -> ids.contains(faissId));
            FailureRecord failure = failures.get(entry.id());
            if (failure != null && !plan.retries(failure.reason())) {
                skippedFailures++;
                return;
            }
            if (everywhere) {
                done++;
                return;
            }
            if (plan.limit() > 0 && toDo >= plan.limit()) {
                beyondLimit++;
                return;
            }
            toDo++;
            if (failure != null) {
                retried++;
            }
            newIdBytes += entry.id().length() + ID_LINE_OVERHEAD;
            held.forEach(
                    (type, ids) -> {
                        if (!ids.contains(faissId)) {
                            newPerType.merge(type, 1L, Long::sum);
                        }
                    });
        }

        long batches(long vectors) {
            return Math.max(1, (vectors + batchSize - 1) / batchSize);
        }

        /** Id file bytes of {@code vectors} ids, at the mean line length of the rows to do. */
        long idBytes(long vectors) {
            long mean = toDo == 0 ? ID_LINE_OVERHEAD + 8 : newIdBytes / toDo;
            return vectors * mean;
        }
    }
}
