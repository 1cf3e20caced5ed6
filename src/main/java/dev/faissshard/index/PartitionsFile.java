package dev.faissshard.index;

import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code <prefix>/faiss/partitions.json}: the top-level manifest of a build split across workers,
 * so a reader finds every partition's manifest without listing storage and can tell a complete
 * build (every listed manifest exists and says {@code "complete": true}) from a partial one. Every
 * worker writes it with identical bytes, so concurrent workers never disagree about it. Paths are
 * relative to the prefix.
 *
 * @param formatVersion {@link #FORMAT_VERSION}
 * @param partitionCount partitions in all
 * @param partitions one entry per partition, by index
 */
public record PartitionsFile(int formatVersion, int partitionCount, List<Entry> partitions) {

    public static final int FORMAT_VERSION = 1;

    /** Largest object read back: 4096 partitions take about 400 KB. */
    private static final int MAX_BYTES = 1 << 20;

    private static final JsonMapper JSON =
            JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /**
     * One partition.
     *
     * @param index from 0
     * @param prefix its sub-prefix ({@code part-<index>-of-<count>})
     * @param manifest its manifest's key
     */
    public record Entry(int index, String prefix, String manifest) {}

    /** The file of a build split into {@code count} partitions. */
    public static PartitionsFile of(int count) {
        List<Entry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String own = partitionPrefix(i, count);
            entries.add(new Entry(i, own, IndexLayout.at(own).manifestKey()));
        }
        return new PartitionsFile(FORMAT_VERSION, count, entries);
    }

    /** Key of the file of the build at {@code prefix} ("" for the storage root). */
    public static String key(String prefix) {
        return IndexLayout.at(prefix).absolute("faiss/partitions.json");
    }

    /** The sub-prefix of partition {@code index} of {@code count}, inside its build's prefix. */
    public static String partitionPrefix(int index, int count) {
        return String.format(Locale.ROOT, "part-%d-of-%d", index, count);
    }

    /**
     * Writes the file of the build that {@code partitionLayout} (one partition's own layout, ending
     * in its {@link #partitionPrefix}) belongs to, unless it is already there with the same bytes.
     */
    public static void publish(StorageClient storage, IndexLayout partitionLayout, int count) {
        String prefix = partitionLayout.prefix();
        int slash = prefix.lastIndexOf('/');
        String own = prefix.substring(slash + 1);
        if (!own.matches("part-\\d+-of-" + count)) {
            throw new IllegalArgumentException("not the layout of a partition of " + count);
        }
        String build = slash < 0 ? "" : prefix.substring(0, slash);
        byte[] data = JSON.writeValueAsBytes(of(count));
        String key = key(build);
        if (!storage.find(key).map(existing -> Arrays.equals(existing, data)).orElse(false)) {
            storage.replace(key, data, "application/json");
        }
    }

    /**
     * The file of the build at {@code prefix}, or empty when there is none (an unpartitioned
     * index).
     */
    public static Optional<PartitionsFile> read(StorageClient storage, String prefix) {
        return storage.find(key(prefix))
                .map(
                        data -> {
                            if (data.length > MAX_BYTES) {
                                throw new IllegalStateException(
                                        "faiss/partitions.json is larger than "
                                                + MAX_BYTES
                                                + " bytes");
                            }
                            try {
                                PartitionsFile file = JSON.readValue(data, PartitionsFile.class);
                                if (file.partitionCount() < 1 || file.partitionCount() > 4096) {
                                    throw new IllegalStateException(
                                            "faiss/partitions.json names an impossible partition count");
                                }
                                // The paths are derived again from the count instead of followed:
                                // they come from storage,
                                // and a reader must not let them point at another index.
                                return of(file.partitionCount());
                            } catch (JacksonException ex) {
                                throw new IllegalStateException(
                                        "faiss/partitions.json is not readable", ex);
                            }
                        });
    }
}
