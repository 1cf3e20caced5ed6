package dev.faissshard.search;

import dev.faissshard.embedding.IndexType;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /indexes} and {@code GET /indexes/{prefix}}: what storage holds, read from the
 * manifests (not from the search cache): types, vectors, shards, bytes, models, partitions and
 * completeness.
 */
@RestController
class IndexCatalogController {

    private final StoredIndexReader reader;

    IndexCatalogController(StoredIndexReader reader) {
        this.reader = reader;
    }

    record Catalogue(List<IndexView> indexes) {}

    /**
     * @param prefix the index's prefix
     * @param types per type: vectors, sealed shards, bytes, model
     * @param updatedAt the newest manifest's time
     * @param partitions every partition and whether its build is complete
     * @param complete whether every partition is
     */
    record IndexView(
            String prefix,
            Map<String, TypeView> types,
            String updatedAt,
            List<PartitionView> partitions,
            boolean complete) {}

    /**
     * @param vectors vectors in sealed shards and open segments
     * @param shards sealed shards
     * @param openSegments open segments of a running (or interrupted) build
     * @param bytes bytes of both
     * @param modelId the model that made the vectors
     * @param dimension vector length
     */
    record TypeView(
            long vectors,
            int shards,
            int openSegments,
            long bytes,
            String modelId,
            int dimension) {}

    /**
     * @param index from 0
     * @param present whether its manifest exists
     * @param complete whether its manifest says its build is complete
     */
    record PartitionView(int index, boolean present, boolean complete) {}

    @GetMapping("/indexes")
    Catalogue all() {
        List<IndexView> views = new ArrayList<>();
        for (String prefix : reader.prefixes()) {
            reader.describe(prefix).ifPresent(description -> views.add(view(description)));
        }
        return new Catalogue(views);
    }

    @GetMapping("/indexes/{*prefix}")
    IndexView one(@PathVariable String prefix) {
        String validated =
                SearchCommand.prefix(prefix.startsWith("/") ? prefix.substring(1) : prefix, "");
        return reader.describe(validated)
                .map(IndexCatalogController::view)
                .orElseThrow(() -> new IndexNotFoundException("no index at the requested prefix"));
    }

    private static IndexView view(IndexDescription description) {
        Map<String, TypeView> types = new LinkedHashMap<>();
        for (IndexType type : IndexType.values()) {
            List<IndexDescription.Shard> shards =
                    description.shards().stream()
                            .filter(shard -> shard.type().equals(type.key()))
                            .toList();
            if (shards.isEmpty()) {
                continue;
            }
            types.put(
                    type.key(),
                    new TypeView(
                            shards.stream().mapToLong(IndexDescription.Shard::vectors).sum(),
                            (int) shards.stream().filter(IndexDescription.Shard::sealed).count(),
                            (int) shards.stream().filter(shard -> !shard.sealed()).count(),
                            shards.stream().mapToLong(IndexDescription.Shard::bytes).sum(),
                            shards.get(0).modelId(),
                            shards.get(0).dimension()));
        }
        Instant updated = description.publishedAt();
        List<PartitionView> partitions =
                description.partitions().stream()
                        .map(
                                partition ->
                                        new PartitionView(
                                                partition.index(),
                                                partition.present(),
                                                partition.complete()))
                        .toList();
        return new IndexView(
                description.prefix(),
                types,
                updated == null ? null : updated.toString(),
                partitions,
                description.complete());
    }
}
