package dev.faissshard.failurereport;

import dev.faissshard.index.FailureRecord;
import dev.faissshard.index.IndexLayout;
import dev.faissshard.index.PartitionsFile;
import dev.faissshard.index.ProgressStore;
import dev.faissshard.storage.StorageClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The failure records an index keeps in storage (read through the failure log its {@code
 * progress.json} names), or for a partitioned build those of each partition named by its {@code
 * faiss/partitions.json}. Read from storage only, so an index built by another process, or before
 * this one started, is reported as well.
 */
@Component
class IndexFailures {

    private final ProgressStore progress;
    private final StorageClient storage;

    IndexFailures(ProgressStore progress, StorageClient storage) {
        this.progress = progress;
        this.storage = storage;
    }

    /** The rows of the index at this layout; none when it has no progress yet. */
    List<FailureRow> of(IndexLayout layout) {
        return progress.failures(layout, storage).map(IndexFailures::rows).orElse(List.of());
    }

    /**
     * The rows of the index at this prefix, across its partitions when it is split; empty when
     * storage holds neither progress nor a partitions file there.
     */
    Optional<List<FailureRow>> atPrefix(String prefix) {
        Optional<PartitionsFile> partitions = PartitionsFile.read(storage, prefix);
        if (partitions.isPresent()) {
            List<FailureRow> rows = new ArrayList<>();
            for (PartitionsFile.Entry partition : partitions.get().partitions()) {
                IndexLayout layout =
                        IndexLayout.at(
                                prefix.isEmpty()
                                        ? partition.prefix()
                                        : prefix + "/" + partition.prefix());
                progress.failures(layout, storage).ifPresent(stored -> rows.addAll(rows(stored)));
            }
            return Optional.of(rows);
        }
        return progress.failures(IndexLayout.at(prefix), storage).map(IndexFailures::rows);
    }

    private static List<FailureRow> rows(Map<String, FailureRecord> failures) {
        return failures.entrySet().stream().map(FailureRow::of).toList();
    }
}
