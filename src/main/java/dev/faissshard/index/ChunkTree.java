package dev.faissshard.index;

import dev.faissshard.checksum.Sha256;
import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.ToLongFunction;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Groups the references of immutable chunk objects into immutable lists, {@value #FANOUT} at a time
 * and level by level (lists of lists), so that {@code progress.json} names fewer than {@value
 * #FANOUT} references or lists per level: its size, written after every batch, grows with the
 * logarithm of the index instead of linearly. The grouping depends only on the number of
 * references, and a list's name carries its checksum, so a save writes only the lists that did not
 * exist at the previous save: one level-1 list every {@value #FANOUT} chunks, a level-2 one every
 * {@value #FANOUT}² chunks, and so on.
 *
 * @param <T> the chunk reference ({@link ShardChunkRecord}, {@link FailureChunkRecord})
 */
final class ChunkTree<T> {

    /** References per list. */
    static final int FANOUT = 8;

    private static final TypeReference<List<ChunkListRecord>> LISTS = new TypeReference<>() {};

    /** How lists of one kind are named. */
    interface Naming {
        /** The object's key relative to the index prefix. */
        String file(int level, long first, long last, String sha12);
    }

    /**
     * The grouping of a save.
     *
     * @param inline the references no list names, which stay in the file
     * @param top the lists no other list names, oldest first, which the file names
     * @param all every list at every level
     * @param bytesWritten bytes of the lists written by this save
     */
    record Built<T>(
            List<T> inline,
            List<ChunkListRecord> top,
            List<ChunkListRecord> all,
            long bytesWritten) {}

    /** The references and lists read from a file's top lists. */
    record Expanded<T>(List<T> references, List<ChunkListRecord> lists) {}

    private final ToLongFunction<T> first;
    private final ToLongFunction<T> last;
    private final TypeReference<List<T>> type;
    private final BiPredicate<IndexLayout, String> isListKey;

    ChunkTree(
            ToLongFunction<T> first,
            ToLongFunction<T> last,
            TypeReference<List<T>> type,
            BiPredicate<IndexLayout, String> isListKey) {
        this.first = first;
        this.last = last;
        this.type = type;
        this.isListKey = isListKey;
    }

    /**
     * Groups {@code references} (oldest first), writing every list whose file is not in {@code
     * known}.
     */
    Built<T> build(
            List<T> references,
            Naming naming,
            Set<String> known,
            ObjectWriter writer,
            IndexLayout layout,
            StorageClient storage) {
        List<List<ChunkListRecord>> levels = new ArrayList<>();
        long written = 0;
        List<ChunkListRecord> level = new ArrayList<>();
        for (int from = 0; from + FANOUT <= references.size(); from += FANOUT) {
            List<T> part = references.subList(from, from + FANOUT);
            byte[] data = writer.writeValueAsBytes(part);
            ChunkListRecord list =
                    list(
                            1,
                            first.applyAsLong(part.get(0)),
                            last.applyAsLong(part.get(FANOUT - 1)),
                            data,
                            naming);
            written += store(list, data, known, layout, storage);
            level.add(list);
        }
        while (!level.isEmpty()) {
            levels.add(level);
            List<ChunkListRecord> below = level;
            level = new ArrayList<>();
            for (int from = 0; from + FANOUT <= below.size(); from += FANOUT) {
                List<ChunkListRecord> part = below.subList(from, from + FANOUT);
                byte[] data = writer.writeValueAsBytes(part);
                ChunkListRecord list =
                        list(
                                part.get(0).level() + 1,
                                part.get(0).first(),
                                part.get(FANOUT - 1).last(),
                                data,
                                naming);
                written += store(list, data, known, layout, storage);
                level.add(list);
            }
        }
        // From the top level down: the lists that the level above does not name.
        List<ChunkListRecord> top = new ArrayList<>();
        List<ChunkListRecord> all = new ArrayList<>();
        int coveredAbove = 0;
        for (int l = levels.size() - 1; l >= 0; l--) {
            List<ChunkListRecord> lists = levels.get(l);
            top.addAll(lists.subList(coveredAbove * FANOUT, lists.size()));
            coveredAbove = lists.size();
            all.addAll(lists);
        }
        int inlineFrom = levels.isEmpty() ? 0 : levels.get(0).size() * FANOUT;
        return new Built<>(
                List.copyOf(references.subList(inlineFrom, references.size())), top, all, written);
    }

    /** Reads the lists a file names, checked, into the references they hold and every list. */
    Expanded<T> expand(
            List<ChunkListRecord> top, JsonMapper json, IndexLayout layout, StorageClient storage) {
        List<T> references = new ArrayList<>();
        List<ChunkListRecord> lists = new ArrayList<>();
        for (ChunkListRecord list : top) {
            expand(list, json, layout, storage, references, lists);
        }
        return new Expanded<>(references, lists);
    }

    private void expand(
            ChunkListRecord list,
            JsonMapper json,
            IndexLayout layout,
            StorageClient storage,
            List<T> references,
            List<ChunkListRecord> lists) {
        lists.add(list);
        String key = layout.absolute(list.file());
        byte[] data =
                ProgressObjects.readVerified(
                        layout, storage, list.file(), list.sha256(), isListKey, "chunk list");
        try {
            if (list.level() == 1) {
                List<T> held = json.readValue(data, type);
                check(key, held.size(), list);
                references.addAll(held);
                return;
            }
            List<ChunkListRecord> below = json.readValue(data, LISTS);
            check(key, below.size(), list);
            for (ChunkListRecord child : below) {
                if (child.level() != list.level() - 1) {
                    throw new CorruptProgressException(
                            key
                                    + " names a list of level "
                                    + child.level()
                                    + " at level "
                                    + list.level());
                }
                expand(child, json, layout, storage, references, lists);
            }
        } catch (JacksonException ex) {
            throw new CorruptProgressException(
                    key + " is not valid chunk-list JSON: " + ex.getOriginalMessage(), ex);
        }
    }

    private static void check(String key, int size, ChunkListRecord list) {
        if (size != list.entries()) {
            throw new CorruptProgressException(
                    key + " holds " + size + " references, not " + list.entries());
        }
    }

    private static ChunkListRecord list(
            int level, long first, long last, byte[] data, Naming naming) {
        String sha = Sha256.hex(data);
        return new ChunkListRecord(
                level,
                naming.file(level, first, last, sha.substring(0, 12)),
                first,
                last,
                FANOUT,
                data.length,
                sha);
    }

    private static long store(
            ChunkListRecord list,
            byte[] data,
            Set<String> known,
            IndexLayout layout,
            StorageClient storage) {
        if (known.contains(list.file())) {
            return 0;
        }
        storage.replace(layout.absolute(list.file()), data, "application/json");
        return list.bytes();
    }
}
