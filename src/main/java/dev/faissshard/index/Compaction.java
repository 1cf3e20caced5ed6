package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.embedding.IndexType;
import dev.faissshard.shard.ShardWriter;
import dev.faissshard.shard.ShardWriterFactory;
import dev.faissshard.shard.VectorIndex;
import dev.faissshard.storage.ObjectBody;
import dev.faissshard.storage.StorageClient;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Merges an open index's small sealed shards and its open tail into shards filled to capacity,
 * leaving dead vectors out (so it applies the tombstones of what it rewrites). What to merge comes
 * from the {@link CompactionPlanner}.
 *
 * <p>The write order keeps every reader and every kill safe: the new shards get new numbers and are
 * uploaded one by one as immutable objects nobody names yet; then {@link OpenIndex#commit} writes
 * {@code progress.json} naming them instead of the old ones, then the manifest, and only then
 * deletes the old objects. A kill before progress leaves unnamed new shards, which the next open
 * removes before a rerun does the same compaction again; a kill after it leaves unnamed old ones,
 * removed the same way. At every instant the manifest names objects that exist and holds every live
 * vector once.
 */
@Component
public class Compaction {

    private static final Logger log = LoggerFactory.getLogger(Compaction.class);

    private static final String FAISS_TYPE = "application/octet-stream";
    private static final String TSV_TYPE = "text/tab-separated-values";

    private final ShardWriterFactory writers;
    private final Clock clock;

    public Compaction(ShardWriterFactory writers, Clock clock) {
        this.writers = writers;
        this.clock = clock;
    }

    /** What a compaction did to one type. */
    public record Result(int shardsBefore, int shardsAfter, int merged, long vectors) {}

    /**
     * Compacts every type of the open index in memory and storage; the caller commits. Returns what
     * it did per type (types with nothing to merge are left out).
     */
    public Map<IndexType, Result> compact(OpenIndex index) {
        Map<IndexType, Result> results = new EnumMap<>(IndexType.class);
        for (IndexType type : index.types()) {
            OpenTypeIndex open = index.typeIndex(type);
            IndexProgress state = open.state();
            Tombstones dead = Tombstones.ofRecords(index.tombstones(), type.key());
            // A trained factory's shards all start from the recorded training, merged ones too.
            ShardWriter writer =
                    writers.open(
                            state.model().dimension(),
                            StoredIndex.trainedIndex(
                                    index.location().storage(), index.location().layout(), state));
            CompactionPlanner.Plan plan;
            try {
                plan =
                        CompactionPlanner.plan(
                                state.sealedShards(),
                                state.openSegments(),
                                dead::count,
                                writer.capacity());
                if (plan.isEmpty()) {
                    writer.close();
                    continue;
                }
                results.put(type, rewrite(index, type, state, plan, dead, writer));
            } catch (RuntimeException ex) {
                writer.close();
                throw ex;
            }
        }
        return results;
    }

    private Result rewrite(
            OpenIndex index,
            IndexType type,
            IndexProgress state,
            CompactionPlanner.Plan plan,
            Tombstones dead,
            ShardWriter writer) {
        IndexLayout layout = index.location().layout();
        StorageClient store = index.location().storage();
        List<Input> inputs = new ArrayList<>();
        plan.merge()
                .forEach(
                        shard ->
                                inputs.add(
                                        new Input(
                                                shard.file(),
                                                shard.idsFile(),
                                                shard.sha256(),
                                                shard.urlsFile(),
                                                shard.doneBitmap())));
        if (plan.includeTail()) {
            state.openSegments()
                    .forEach(
                            segment ->
                                    inputs.add(
                                            new Input(
                                                    segment.file(),
                                                    segment.idsFile(),
                                                    segment.sha256(),
                                                    segment.urlsFile(),
                                                    null)));
        }
        Output output =
                new Output(
                        index,
                        type,
                        layout,
                        state.openShard(),
                        state.trained() == null ? null : state.trained().sha256());
        byte[] trained = writer.trainedIndex().orElse(null);
        if (trained != null && mergesCodes(trained)) {
            new CodeMerge(trained, writer.capacity(), output).run(inputs, store, layout, dead);
        } else {
            reAdd(inputs, store, layout, dead, writer, output);
        }
        List<ShardRecord> shards = new ArrayList<>(plan.keep());
        shards.addAll(output.records);
        shards.sort(Comparator.comparingInt(ShardRecord::shard));
        List<String> obsolete = new ArrayList<>();
        List<String> cleared = new ArrayList<>();
        for (Input input : inputs) {
            obsolete.add(layout.absolute(input.file()));
            obsolete.add(layout.absolute(input.idsFile()));
            if (input.urlsFile() != null) {
                obsolete.add(layout.absolute(input.urlsFile()));
            }
            if (input.doneBitmap() != null) {
                obsolete.add(layout.absolute(input.doneBitmap()));
            }
            cleared.add(input.file());
        }
        IndexProgress compacted =
                new IndexProgress(
                        state.model(),
                        state.metric(),
                        state.factory(),
                        shards,
                        output.next,
                        plan.includeTail() ? List.of() : state.openSegments(),
                        state.trained());
        // The writer is empty after its last seal: with the tail rewritten, the next job's open
        // shard starts in it; otherwise the open shard stays where it is.
        if (!plan.includeTail()) {
            writer.close();
        }
        index.compacted(type, compacted, plan.includeTail() ? writer : null, obsolete, cleared);
        log.info(
                "Compacted {} of {}: {} shard(s) and {} open segment(s) into {} shard(s), {} vectors",
                type.key(),
                index.location().description(),
                plan.merge().size(),
                plan.includeTail() ? state.openSegments().size() : 0,
                output.records.size(),
                plan.liveVectors());
        return new Result(
                state.sealedShards().size(),
                shards.size(),
                plan.merge().size(),
                output.records.stream().mapToLong(ShardRecord::vectors).sum());
    }

    /**
     * Untrained factories (flat, HNSW): every live vector is read back and added into the writer,
     * which seals as shards fill. A flat index reads back the very floats it stores, so nothing
     * drifts; an HNSW graph cannot remove vectors and is rebuilt anyway.
     */
    private void reAdd(
            List<Input> inputs,
            StorageClient store,
            IndexLayout layout,
            Tombstones dead,
            ShardWriter writer,
            Output output) {
        for (Input input : inputs) {
            byte[] data = verified(store, layout, input);
            List<IdFile.Entry> entries = IdFile.read(store.get(layout.absolute(input.idsFile())));
            long[] prints = fingerprints(store, layout, input, entries.size());
            OpenTypeIndex.Live live;
            try (VectorIndex stored = writers.indexes().fromBytes(data)) {
                live = OpenTypeIndex.live(input.file(), stored.export(), entries, prints, dead);
            }
            output.entries.addAll(live.entries());
            for (long print : live.fingerprints()) {
                output.prints.add(print);
            }
            for (ShardWriter.Sealed sealed :
                    writer.fill(live.rows().vectors(), live.rows().ids())) {
                output.store(sealed);
            }
        }
        writer.sealOpenShard().ifPresent(output::store);
    }

    private boolean mergesCodes(byte[] trained) {
        try (VectorIndex template = writers.indexes().fromBytes(trained)) {
            return template.mergesCodes();
        }
    }

    private static byte[] verified(StorageClient store, IndexLayout layout, Input input) {
        byte[] data = store.get(layout.absolute(input.file()));
        if (!Sha256.hex(data).equals(input.sha256())) {
            throw new IllegalStateException(
                    input.file()
                            + " does not match the checksum recorded in progress.json; storage was modified");
        }
        return data;
    }

    /** Rows stored before fingerprints were kept carry none (UNKNOWN) into the new shard. */
    private static long[] fingerprints(
            StorageClient store, IndexLayout layout, Input input, int rows) {
        return input.urlsFile() == null
                ? new long[rows]
                : FingerprintFile.read(
                        store.get(layout.absolute(input.urlsFile())), rows, input.urlsFile());
    }

    /**
     * Trained IVF factories: the shards share the training's quantizer and codebooks, so their
     * codes move into the new shards as they are ({@code merge_into}), and the vectors a new shard
     * must not hold (tombstoned ones, and those that go to the shard before or after when an input
     * straddles a seal) leave a copy of the input through {@code remove_ids}. Decoding and
     * re-encoding would drift every vector each compaction and cost far more. Open segments hold
     * exact vectors, encoded here for the first time as a seal would. A new shard's id file lists
     * its rows in the order they went in, as a sealed shard's lists its adds.
     */
    private final class CodeMerge {

        private final byte[] trained;
        private final long capacity;
        private final Output output;
        private VectorIndex current;
        private final List<Long> currentIds = new ArrayList<>();

        CodeMerge(byte[] trained, long capacity, Output output) {
            this.trained = trained;
            this.capacity = capacity;
            this.output = output;
        }

        void run(List<Input> inputs, StorageClient store, IndexLayout layout, Tombstones dead) {
            try {
                for (Input input : inputs) {
                    byte[] data = verified(store, layout, input);
                    List<IdFile.Entry> entries =
                            IdFile.read(store.get(layout.absolute(input.idsFile())));
                    long[] prints = fingerprints(store, layout, input, entries.size());
                    boolean codes;
                    try (VectorIndex stored = writers.indexes().fromBytes(data)) {
                        if (stored.count() != entries.size()) {
                            throw new IllegalStateException(
                                    input.file()
                                            + " holds "
                                            + stored.count()
                                            + " vectors but its id file "
                                            + entries.size());
                        }
                        codes = stored.mergesCodes();
                    }
                    if (codes) {
                        mergeShard(input.file(), data, entries, prints, dead);
                    } else {
                        addSegment(input.file(), data, entries, prints, dead);
                    }
                }
                if (current != null && current.count() > 0) {
                    seal();
                }
            } finally {
                if (current != null) {
                    current.close();
                }
            }
        }

        private void mergeShard(
                String file,
                byte[] data,
                List<IdFile.Entry> entries,
                long[] prints,
                Tombstones dead) {
            List<Integer> live = new ArrayList<>(entries.size());
            for (int row = 0; row < entries.size(); row++) {
                if (!dead.isDead(file, entries.get(row).faissId())) {
                    live.add(row);
                }
            }
            int offset = 0;
            while (offset < live.size()) {
                int take = room(live.size() - offset);
                boolean[] keep = new boolean[entries.size()];
                for (int i = offset; i < offset + take; i++) {
                    keep[live.get(i)] = true;
                }
                long[] drop = new long[entries.size() - take];
                int dropped = 0;
                for (int row = 0; row < entries.size(); row++) {
                    if (!keep[row]) {
                        drop[dropped++] = entries.get(row).faissId();
                    }
                }
                try (VectorIndex part = writers.indexes().fromBytes(data)) {
                    long removed = part.removeIds(drop);
                    if (removed != drop.length || part.count() != take) {
                        throw new IllegalStateException(
                                file + " does not hold the ids its id file lists");
                    }
                    current.mergeFrom(part);
                }
                for (int i = offset; i < offset + take; i++) {
                    int row = live.get(i);
                    taken(entries.get(row), prints[row]);
                }
                offset += take;
            }
        }

        private void addSegment(
                String file,
                byte[] data,
                List<IdFile.Entry> entries,
                long[] prints,
                Tombstones dead) {
            OpenTypeIndex.Live live;
            try (VectorIndex stored = writers.indexes().fromBytes(data)) {
                live = OpenTypeIndex.live(file, stored.export(), entries, prints, dead);
            }
            VectorIndex.Exported rows = live.rows();
            int d = rows.dimension();
            int offset = 0;
            while (offset < rows.count()) {
                int take = room(rows.count() - offset);
                current.addWithIds(
                        Arrays.copyOfRange(rows.vectors(), offset * d, (offset + take) * d),
                        Arrays.copyOfRange(rows.ids(), offset, offset + take));
                for (int i = offset; i < offset + take; i++) {
                    taken(live.entries().get(i), live.fingerprints()[i]);
                }
                offset += take;
            }
        }

        /** Vectors the current shard takes of {@code wanted}, sealing it first when full. */
        private int room(int wanted) {
            if (current != null && current.count() >= capacity) {
                seal();
            }
            if (current == null) {
                current = writers.indexes().fromBytes(trained);
            }
            return (int) Math.min(wanted, capacity - current.count());
        }

        private void taken(IdFile.Entry entry, long print) {
            output.entries.add(entry);
            output.prints.add(print);
            currentIds.add(entry.faissId());
        }

        private void seal() {
            long start = System.nanoTime();
            ObjectBody data = current.intoSerialized();
            long[] ids = currentIds.stream().mapToLong(Long::longValue).toArray();
            current = null;
            currentIds.clear();
            output.store(new ShardWriter.Sealed(data, ids, System.nanoTime() - start));
        }
    }

    /** A shard or segment being rewritten. */
    private record Input(
            String file, String idsFile, String sha256, String urlsFile, String doneBitmap) {}

    /** The new shards, numbered on from the open shard's number, uploaded as they seal. */
    private final class Output {

        final OpenIndex index;
        final IndexType type;
        final IndexLayout layout;
        final Deque<IdFile.Entry> entries = new ArrayDeque<>();
        final Deque<Long> prints = new ArrayDeque<>();
        final List<ShardRecord> records = new ArrayList<>();
        int next;

        /** The training the new shards start from, as every shard of a trained type names it. */
        final String trainedSha256;

        Output(
                OpenIndex index,
                IndexType type,
                IndexLayout layout,
                int first,
                String trainedSha256) {
            this.trainedSha256 = trainedSha256;
            this.index = index;
            this.type = type;
            this.layout = layout;
            this.next = first;
        }

        void store(ShardWriter.Sealed sealed) {
            int count = Math.toIntExact(sealed.vectors());
            List<IdFile.Entry> rows = new ArrayList<>(count);
            long[] rowPrints = new long[count];
            for (int i = 0; i < count; i++) {
                rowPrints[i] = prints.poll();
                IdFile.Entry entry = entries.poll();
                if (entry == null || entry.faissId() != sealed.ids()[i]) {
                    throw new IllegalStateException("shard writer reordered ids in a compaction");
                }
                rows.add(entry);
            }
            int shard = next++;
            String key = layout.shardKey(type, shard);
            String idsKey = layout.shardIdsKey(type, shard);
            String urlsKey = layout.shardUrlsKey(type, shard);
            String doneKey = layout.shardDoneKey(type, shard);
            index.storeNow(new PendingObject("ids", idsKey, IdFile.write(rows), TSV_TYPE, true));
            // A resume reads the done set from this bitmap, as from a sealed shard's.
            index.storeNow(
                    new PendingObject(
                            "ids",
                            doneKey,
                            DoneBitmap.encode(sealed.ids()),
                            DoneBitmap.CONTENT_TYPE,
                            true));
            index.storeNow(
                    new PendingObject(
                            "urls",
                            urlsKey,
                            FingerprintFile.write(rowPrints, 0, count),
                            FAISS_TYPE,
                            true));
            index.storeNow(new PendingObject("shard", key, sealed.body(), FAISS_TYPE, true));
            records.add(
                    new ShardRecord(
                            shard,
                            layout.relative(key),
                            layout.relative(idsKey),
                            count,
                            sealed.body().size(),
                            sealed.body().sha256(),
                            Arrays.stream(sealed.ids()).min().orElse(0),
                            Arrays.stream(sealed.ids()).max().orElse(0),
                            clock.instant(),
                            trainedSha256,
                            layout.relative(doneKey),
                            layout.relative(urlsKey)));
            sealed.body().close();
        }
    }
}
